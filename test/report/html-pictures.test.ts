/// <reference lib="dom" />
// The page functions run in Chromium: they see the DOM.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeImage } from '../../src/analyze/analyze.js';
import { diffImages, type ImagesDiff } from '../../src/analyze/diff.js';
import { openImage } from '../../src/analyze/open.js';
import type { ImageAnalysis } from '../../src/analyze/types.js';
import { renderCompareHtml } from '../../src/compare/render-html.js';
import { rowOf } from '../../src/compare/rows.js';
import { writeLayout } from '../../src/publish/layout.js';
import { renderAnalysisHtml } from '../../src/report/analysis-html.js';
import { formatBytes } from '../../src/report/build-summary.js';
import { renderDiffHtml } from '../../src/report/diff-html.js';
import { runCli } from '../cli/build-helpers.js';
import { copyHello } from '../go/go-fixtures.js';
import { launchChromium, type Chromium } from '../helpers/chromium.js';
import { alpineBase } from '../helpers/fixture-images.js';
import { tempDir } from '../helpers/tmp.js';

const WIDTHS = [1280, 390] as const;

/** What a page's pictures draw, read back from the DOM Chromium rendered. */
interface Drawn {
  treemaps: {
    binary: string;
    bytes: number;
    viewBox: { w: number; h: number };
    renderedWidth: number;
    modules: { module: string; bytes: number; area: number }[];
    rest: { bytes: number; area: number } | undefined;
    packages: { pkg: string; bytes: number }[];
    labels: string[];
  }[];
  segments: { bar: string; part: string; bytes: number }[];
  barTexts: string[];
  scrollWidth: number;
  innerWidth: number;
}

/** The visible treemaps and stacked bars of the page, with their numbers and labels. */
async function drawn(page: Page): Promise<Drawn> {
  return page.evaluate(() => {
    const visible = (e: Element): boolean => (e as SVGElement).getBoundingClientRect().width > 0;
    const num = (e: Element, a: string): number => Number(e.getAttribute(a));
    const area = (e: Element): number => num(e, 'width') * num(e, 'height');
    const treemaps = [...document.querySelectorAll('svg.treemap')].filter(visible).map((svg) => {
      const [, , w, h] = (svg.getAttribute('viewBox') ?? '').split(' ').map(Number);
      const rest = svg.querySelector('rect.tm-rest');
      return {
        binary: svg.getAttribute('data-binary') ?? '',
        bytes: num(svg, 'data-bytes'),
        viewBox: { w: w!, h: h! },
        renderedWidth: svg.getBoundingClientRect().width,
        modules: [...svg.querySelectorAll('rect.tm-module')].map((r) => ({
          module: r.getAttribute('data-module') ?? '',
          bytes: num(r, 'data-bytes'),
          area: area(r),
        })),
        rest: rest ? { bytes: num(rest, 'data-bytes'), area: area(rest) } : undefined,
        packages: [...svg.querySelectorAll('rect.tm-package')].map((r) => ({
          pkg: r.getAttribute('data-package') ?? '',
          bytes: num(r, 'data-bytes'),
        })),
        labels: [...svg.querySelectorAll('text.tm-label')].map((t) => t.textContent ?? ''),
      };
    });
    const bars = [...document.querySelectorAll('svg.stacked-bars')].filter(visible);
    return {
      treemaps,
      segments: bars.flatMap((svg) =>
        [...svg.querySelectorAll('rect.segment')].map((r) => ({
          bar: r.getAttribute('data-bar') ?? '',
          part: r.getAttribute('data-part') ?? '',
          bytes: num(r, 'data-bytes'),
        })),
      ),
      barTexts: bars.flatMap((svg) =>
        [...svg.querySelectorAll('text.bar-parts')].map((t) => t.textContent ?? ''),
      ),
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
    };
  });
}

/** Every way the drawn pictures disagree with the analyses' JSON numbers: a list asserted empty. */
function disagreements(
  d: Drawn,
  analyses: ImageAnalysis[],
  bars: { name: string; analysis: ImageAnalysis }[],
): string[] {
  const out: string[] = [];
  // The page draws the binaries in the order of the analyses (before, then after): one treemap each.
  const binaries = analyses.flatMap((a) => a.goBinaries.filter((b) => b.attribution));
  if (d.treemaps.length !== binaries.length)
    out.push(`${d.treemaps.length} treemaps for ${binaries.length} binaries`);
  for (const [i, t] of d.treemaps.entries()) {
    const a = binaries[i]?.path === t.binary ? binaries[i]?.attribution : undefined;
    if (!a) {
      out.push(`${t.binary}: treemap ${i} is not of the JSON's binary ${i} (${binaries[i]?.path})`);
      continue;
    }
    if (t.bytes !== a.fileSize)
      out.push(`${t.binary}: treemap of ${t.bytes} bytes, the file is ${a.fileSize}`);
    const total = t.viewBox.w * t.viewBox.h;
    const want = new Map(
      a.modules.filter((m) => m.code + m.pclntab > 0).map((m) => [m.path, m.code + m.pclntab]),
    );
    if (t.modules.length !== want.size)
      out.push(`${t.binary}: ${t.modules.length} module tiles, ${want.size} modules`);
    const labels = new Set<string>();
    for (const m of t.modules) {
      if (want.get(m.module) !== m.bytes)
        out.push(`${m.module}: tile of ${m.bytes} bytes, JSON ${want.get(m.module)}`);
      // Its area is its share of the file (squarify keeps areas exact up to rounding to 0.1 unit).
      if (Math.abs(m.area / total - m.bytes / a.fileSize) > 0.002) {
        out.push(
          `${m.module}: ${((m.area / total) * 100).toFixed(2)}% of the area for ${((m.bytes / a.fileSize) * 100).toFixed(2)}% of the bytes`,
        );
      }
      labels.add(`${m.module} ${formatBytes(m.bytes)}`);
    }
    if (t.rest?.bytes !== a.unattributed)
      out.push(`${t.binary}: grey tile ${t.rest?.bytes}, unattributed ${a.unattributed}`);
    const pkgs = new Map(a.packages.map((p) => [p.path, p.code + p.pclntab]));
    for (const p of t.packages) {
      if (pkgs.get(p.pkg) !== p.bytes)
        out.push(`${p.pkg}: tile of ${p.bytes} bytes, JSON ${pkgs.get(p.pkg)}`);
      labels.add(`${p.pkg} ${formatBytes(p.bytes)}`);
    }
    labels.add(`unattributed ${formatBytes(a.unattributed)}`);
    for (const l of t.labels)
      if (!labels.has(l)) out.push(`${t.binary}: label "${l}" names no tile's numbers`);
    if (t.labels.length < 3) out.push(`${t.binary}: only ${t.labels.length} labels fit`);
  }
  for (const { name, analysis } of bars) {
    const c = analysis.composition;
    if (c.base + c.caAndConfig + c.app !== analysis.size.filesystem)
      out.push(`${name}: composition does not add up`);
    for (const [part, bytes] of Object.entries(c)) {
      const seg = d.segments.find((s) => s.bar === name && s.part === part);
      if (seg?.bytes !== bytes) out.push(`${name} ${part}: segment ${seg?.bytes}, JSON ${bytes}`);
    }
    const text = `base ${formatBytes(c.base)} · CA and config ${formatBytes(c.caAndConfig)} · app binary ${formatBytes(c.app)}`;
    if (!d.barTexts.includes(text)) out.push(`${name}: no bar spells out "${text}"`);
  }
  if (d.scrollWidth > d.innerWidth)
    out.push(`horizontal overflow: ${d.scrollWidth} px in a ${d.innerWidth} px viewport`);
  return out;
}

describe('treemaps and stacked bars in the HTML of analyze, compare and diff, in headless Chromium', () => {
  let dir: string;
  let diff: ImagesDiff;
  let onAlpine: ImageAnalysis;
  let context: BrowserContext;
  let browser: Chromium | undefined;
  beforeAll(async () => {
    dir = await tempDir();
    const src = await copyHello(join(dir, 'src'));
    await writeLayout(join(dir, 'alpine'), { kind: 'image', image: await alpineBase() }, { tag: '3.19' });
    const a = `oci:${join(dir, 'a')}:v1`;
    const b = `oci:${join(dir, 'b')}:v1`;
    const c = `oci:${join(dir, 'c')}:v1`;
    expect((await runCli(['build', src, '-o', a, '-q'])).code).toBe(0);
    expect(
      (await runCli(['build', src, '-o', c, '-q', '--base', `oci:${join(dir, 'alpine')}:3.19`])).code,
    ).toBe(0);
    const main = join(src, 'main.go');
    await writeFile(
      main,
      (await readFile(main, 'utf8')).replace('import (', 'import (\n\t_ "encoding/json"'),
    );
    expect((await runCli(['build', src, '-o', b, '-q'])).code).toBe(0);
    diff = await diffImages(await openImage(a), await openImage(b), { references: [a, b] });
    onAlpine = await analyzeImage(await openImage(c), { reference: 'hello on alpine' });
    browser = await launchChromium();
    context = browser.context;
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
  });

  /** Opens the page at both widths, screenshots it, and returns the disagreements at each. */
  async function check(
    name: string,
    html: string,
    analyses: ImageAnalysis[],
    bars: { name: string; analysis: ImageAnalysis }[],
  ): Promise<Record<number, string[]>> {
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    const file = join(dir, `${name}.html`);
    await writeFile(file, html);
    await mkdir(resolve('test-artifacts'), { recursive: true });
    const out: Record<number, string[]> = {};
    for (const width of WIDTHS) {
      const page = await context.newPage();
      try {
        const requests: string[] = [];
        page.on('request', (r) => requests.push(r.url()));
        await page.setViewportSize({ width, height: 900 });
        await page.goto(pathToFileURL(file).href);
        const d = await drawn(page);
        const problems = disagreements(d, analyses, bars);
        const binaries = analyses.flatMap((a) => a.goBinaries.filter((b) => b.attribution));
        // At a phone's width the phone layout is shown at (nearly) its own size, so labels keep their size.
        const layout = width < 640 ? 'narrow' : 'wide';
        const shown = await page
          .locator(`svg.treemap-${layout}`)
          .evaluateAll((els) => els.filter((e) => e.getBoundingClientRect().width > 0).length);
        if (shown !== binaries.length) problems.push(`${shown} ${layout} treemaps visible at ${width} px`);
        for (const t of d.treemaps) {
          if (t.renderedWidth / t.viewBox.w < 0.9)
            problems.push(`${t.binary}: drawn at ${(t.renderedWidth / t.viewBox.w).toFixed(2)} of its size`);
        }
        if (!requests.every((u) => u.startsWith('file:') || u.startsWith('data:')))
          problems.push(`network: ${requests.join(' ')}`);
        await page.screenshot({ path: resolve(`test-artifacts/${name}-${width}.png`), fullPage: true });
        out[width] = problems;
      } finally {
        await page.close();
      }
    }
    return out;
  }

  it('analyze: a treemap of the Go binary and a stacked bar, numbers as in the JSON, at 1280 and 390 px', async () => {
    const [, after] = diff.analyses;
    const html = renderAnalysisHtml(after);
    expect(await check('analyze', html, [after], [{ name: after.reference, analysis: after }])).toEqual({
      1280: [],
      390: [],
    });
    expect(after.composition.app).toBe(after.goBinaries[0]!.size);
  });

  it('diff: both binaries as treemaps, a bar before and after, at 1280 and 390 px', async () => {
    const html = renderDiffHtml(diff);
    const [before, after] = diff.analyses;
    const bars = [
      { name: 'before', analysis: before },
      { name: 'after', analysis: after },
    ];
    expect(await check('diff', html, [before, after], bars)).toEqual({ 1280: [], 390: [] });
    expect(html).toContain('<table class="diff-packages">');
  });

  it('compare: one bar per base and one treemap of the app, at 1280 and 390 px', async () => {
    const [onStatic] = diff.analyses;
    const rows = [
      rowOf({ label: 'static (minnow default)', specs: ['static'] }, 'static', onStatic),
      rowOf({ label: 'alpine:3.19', specs: ['alpine'] }, 'alpine', onAlpine),
    ];
    const html = renderCompareHtml({ app: 'hello', rows, skipped: [], recommendation: 'use static' });
    const bars = rows.map((r) => ({ name: r.base, analysis: r.analysis }));
    expect(await check('compare', html, [onStatic], bars)).toEqual({ 1280: [], 390: [] });
    // On alpine the base is most of the image; on minnow's static it is next to nothing.
    expect(onAlpine.composition.base).toBeGreaterThan(onAlpine.composition.app / 2);
    expect(onStatic.composition.base).toBeLessThan(onStatic.composition.app / 10);
  });
});
