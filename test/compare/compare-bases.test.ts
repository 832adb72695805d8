import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareBases, type CompareResult } from '../../src/compare/compare-bases.js';
import { writeLayout } from '../../src/publish/layout.js';
import { renderCompareHtml } from '../../src/compare/render-html.js';
import { renderCompareMarkdown, renderCompareText } from '../../src/compare/render-text.js';
import { launchChromium } from '../helpers/chromium.js';
import { alpineBase, distrolessBase } from '../helpers/fixture-images.js';
import { tempDir } from '../helpers/tmp.js';

describe('minnow compare on examples/hello, and its HTML page in headless Chromium', () => {
  let result: CompareResult;
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
    await writeLayout(join(dir, 'alpine'), { kind: 'image', image: await alpineBase() }, { tag: '3.19' });
    await writeLayout(
      join(dir, 'distroless'),
      { kind: 'image', image: await distrolessBase() },
      { tag: 'latest' },
    );
    result = await compareBases({
      dir: 'examples/hello',
      bases: [
        { label: 'alpine:3.19', specs: [`oci:${join(dir, 'alpine')}:3.19`] },
        { label: 'distroless/static-debian12', specs: [`oci:${join(dir, 'distroless')}:latest`] },
        { label: 'scratch', specs: ['scratch'] },
        { label: 'static (minnow default)', specs: ['static'] },
        { label: 'missing', specs: [`oci:${join(dir, 'absent')}`] },
      ],
      build: { cacheDir: join(dir, 'cache') },
    });
  }, 300_000);

  it("keeps the article's order and recommends minnow's default", () => {
    const size = (base: string): number => result.rows.find((r) => r.base.startsWith(base))?.size ?? NaN;
    expect(size('alpine')).toBeGreaterThan(size('distroless'));
    expect(size('distroless')).toBeGreaterThan(size('scratch'));
    expect(size('static')).toBeLessThan(result.rows.find((r) => r.base === 'scratch')?.articleSize ?? 0);
    expect(result.rows.map((r) => r.articleSize)).toEqual([14.5e6, 9.49e6, 6.67e6, undefined]);
    const alpine = result.rows[0]!;
    expect([alpine.shell, alpine.packageManager, alpine.packages]).toEqual([true, true, 15]);
    expect(result.rows[3]?.recommendation).toMatch(/^good/);
    expect(result.recommendation).toMatch(/^use static \(minnow default\)/);
    expect(result.skipped.map((s) => s.base)).toEqual(['missing']);
    expect(renderCompareText(result)).toMatch(/alpine:3\.19\s+\d+\.\d+ MB\s+\d+\.\d+ MB\s+14\.5 MB/);
  });

  it('names the baseline: this app the typical-Dockerfile way, measured, beside the article figure of another app', () => {
    const typical = result.typical!;
    // go build without -s -w keeps the symbol table and DWARF: larger than minnow's stripped binary.
    expect(typical.binarySize).toBeGreaterThan(typical.minnowBinarySize * 1.2);
    expect(result.rows.map((r) => r.typicalSize !== undefined)).toEqual([true, true, true, false]);
    for (const r of result.rows.slice(0, 3))
      expect(r.typicalSize).toBe(r.size - typical.minnowBinarySize + typical.binarySize);
    const text = renderCompareText(result);
    expect(text).toContain('typical Dockerfile = this app as a typical multi-stage Dockerfile ships it');
    expect(text).toContain('`CGO_ENABLED=0 go build -o main .`');
    expect(text).toContain('another app, for scale only');
    expect(renderCompareMarkdown(result)).toContain('| base | size | typical Dockerfile | article |');
    expect(renderCompareMarkdown(result)).toContain('| static (minnow default) |');
  });

  it('renders the chart and the attack-surface rows, offline', async () => {
    const html = renderCompareHtml(result);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    const file = join(dir, 'compare.html');
    await writeFile(file, html);
    const browser = await launchChromium();
    const context = browser.context;
    try {
      const page = await context.newPage();
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(pathToFileURL(file).href);
      await expect(page.locator('svg.bar-chart').count()).resolves.toBe(1);
      // Four series (minnow build, compressed, typical Dockerfile, article) for 4 rows; static has no baseline.
      await expect(page.locator('svg.bar-chart rect.bar').count()).resolves.toBe(14);
      const widths = await page
        .locator('svg.bar-chart rect.bar[data-series="minnow build"]')
        .evaluateAll((els) => els.map((e) => Number(e.getAttribute('width'))));
      expect(widths[0]).toBeGreaterThan(widths[1]!);
      expect(widths[1]).toBeGreaterThan(widths[2]!);
      const rows = await page
        .locator('table.surface tr.surface-row')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-base')));
      expect(rows).toEqual([
        'alpine:3.19',
        'distroless/static-debian12',
        'scratch',
        'static (minnow default)',
      ]);
      const alpineCells = await page.locator('tr.surface-row[data-base="alpine:3.19"] td').allTextContents();
      expect(alpineCells.slice(8, 10)).toEqual(['yes', 'yes']);
      await expect(page.locator('tr.finding[data-rule="MN-SU-001"]').count()).resolves.toBeGreaterThan(0);
      await page.screenshot({ path: resolve('test-artifacts/compare-report.png'), fullPage: true });
      expect(requests.every((u) => u.startsWith('file:') || u.startsWith('data:'))).toBe(true);
    } finally {
      await browser.close();
    }
  });
});
