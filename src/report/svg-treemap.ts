import type { BinaryAttribution } from '../go/attribution.js';
import { formatBytes } from './build-summary.js';
import { escapeHtml } from './html-escape.js';
import { squarify, type Rect } from './squarify.js';

const PALETTE = [
  '#2e90fa',
  '#12b76a',
  '#f79009',
  '#7a5af8',
  '#ee46bc',
  '#06aed4',
  '#66c61c',
  '#ef6820',
  '#6172f3',
  '#d444f1',
];
const UNATTRIBUTED = '#d0d5dd';
const HEADER = 16;

const r1 = (n: number): string => (Math.round(n * 10) / 10).toString();
const share = (n: number, of: number): string => (of > 0 ? `${((n / of) * 100).toFixed(1)}%` : '0%');

/** A label of `text` at `size` px fits in `w` units: an estimate of the average glyph width of system-ui. */
const fits = (text: string, size: number, w: number): boolean => text.length * size * 0.6 + 6 <= w;

function rect(r: Rect, attrs: string, fill: string, title: string): string {
  return `<rect ${attrs} x="${r1(r.x)}" y="${r1(r.y)}" width="${r1(r.w)}" height="${r1(r.h)}" fill="${fill}" stroke="#fff" stroke-width="1"><title>${escapeHtml(title)}</title></rect>`;
}

function label(cls: string, x: number, y: number, size: number, text: string, bold = false): string {
  return `<text class="${cls}" x="${r1(x)}" y="${r1(y)}" font-size="${size}"${bold ? ' font-weight="600"' : ''} fill="#101828" pointer-events="none">${escapeHtml(text)}</text>`;
}

/**
 * One Go binary as a squarified treemap, inline SVG: a rectangle per module (area: its code and pclntab bytes),
 * the module's packages inside it, and one grey rectangle for the unattributed rest, so the whole area is the
 * file. Labels (`name size`) are drawn only where they fit; every rectangle has a `<title>` tooltip. Rectangles
 * carry `data-module`/`data-package` and `data-bytes`, for tests and tooling.
 */
export function svgTreemap(
  binaryPath: string,
  a: BinaryAttribution,
  /** Size in SVG units (the page scales it to its width): wide for a desktop, a taller one for a phone. */
  size: { width: number; height: number; layout: string } = { width: 960, height: 540, layout: 'wide' },
): string {
  const { width: WIDTH, height: HEIGHT } = size;
  const title = `${binaryPath}: ${formatBytes(a.fileSize)} by Go module and package`;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" class="treemap treemap-${size.layout}" data-binary="${escapeHtml(binaryPath)}" data-bytes="${a.fileSize}" viewBox="0 0 ${WIDTH} ${HEIGHT}" preserveAspectRatio="xMinYMin meet" aria-label="${escapeHtml(title)}">`,
    `<title>${escapeHtml(title)}</title>`,
  ];
  const values = [...a.modules.map((m) => m.code + m.pclntab), a.unattributed];
  for (const box of squarify(values, { x: 0, y: 0, w: WIDTH, h: HEIGHT })) {
    const m = a.modules[box.i];
    if (!m) {
      const text = `unattributed ${formatBytes(a.unattributed)}`;
      parts.push(
        rect(
          box,
          `class="tm-rest" data-bytes="${a.unattributed}"`,
          UNATTRIBUTED,
          `not split by package (read-only data, type tables, headers): ${formatBytes(a.unattributed)}, ${share(a.unattributed, a.fileSize)} of the binary`,
        ),
      );
      if (fits(text, 12, box.w) && box.h >= 18)
        parts.push(label('tm-label', box.x + 4, box.y + 13, 12, text));
      continue;
    }
    const bytes = m.code + m.pclntab;
    const color = PALETTE[box.i % PALETTE.length]!;
    const name = m.version ? `${m.path} ${m.version}` : m.path;
    parts.push(
      rect(
        box,
        `class="tm-module" data-module="${escapeHtml(m.path)}" data-bytes="${bytes}"`,
        color,
        `${name}: ${formatBytes(bytes)} (${formatBytes(m.code)} code, ${formatBytes(m.pclntab)} pclntab), ${share(bytes, a.fileSize)} of the binary, ${m.packages} packages`,
      ),
    );
    const text = `${m.path} ${formatBytes(bytes)}`;
    const header = box.h >= 40 && fits(text, 12, box.w);
    if (header) parts.push(label('tm-label tm-module-label', box.x + 4, box.y + 12, 12, text, true));
    // Packages inside the module, under its header: lighter tiles of the module's colour.
    const inner: Rect = {
      x: box.x + 2,
      y: box.y + (header ? HEADER : 2),
      w: box.w - 4,
      h: box.h - (header ? HEADER + 2 : 4),
    };
    const pkgs = a.packages.filter((p) => p.module === m.path);
    for (const p of squarify(
      pkgs.map((p) => p.code + p.pclntab),
      inner,
    )) {
      const pkg = pkgs[p.i]!;
      const pb = pkg.code + pkg.pclntab;
      parts.push(
        rect(
          p,
          `class="tm-package" data-package="${escapeHtml(pkg.path)}" data-bytes="${pb}" fill-opacity="0.55"`,
          color,
          `${pkg.path}: ${formatBytes(pb)} (${formatBytes(pkg.code)} code, ${formatBytes(pkg.pclntab)} pclntab), ${pkg.functions} functions`,
        ),
      );
      const t = `${pkg.path} ${formatBytes(pb)}`;
      if (fits(t, 10, p.w) && p.h >= 14)
        parts.push(label('tm-label tm-package-label', p.x + 3, p.y + 11, 10, t));
    }
  }
  parts.push('</svg>');
  return parts.join('\n');
}
