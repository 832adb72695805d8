import { formatBytes } from './build-summary.js';
import { escapeHtml } from './html-escape.js';

/** One part of a stacked bar. */
export interface BarPart {
  /** Stable key, in `data-part`. */
  key: string;
  label: string;
  /** CSS colour. */
  color: string;
}

/** One bar: a name and the bytes of each part (by `BarPart.key`). */
export interface StackedBar {
  name: string;
  bytes: Record<string, number>;
}

const r1 = (n: number): string => (Math.round(n * 10) / 10).toString();
/** Narrow enough that a phone shows the text at three quarters of its size. */
const WIDTH = 480;

/**
 * Horizontal stacked bars on one scale, inline SVG: one bar per image, one segment per part, with a legend and
 * each bar's parts spelled out under it (`base 1.2 MB · CA and config 220 kB · app 5.8 MB`), so the numbers stay
 * readable when the page scales the picture down to a phone's width. Segments carry `data-bar`, `data-part` and
 * `data-bytes`.
 */
export function svgStackedBars(
  title: string,
  parts: readonly BarPart[],
  bars: readonly StackedBar[],
): string {
  const total = (b: StackedBar): number => parts.reduce((n, p) => n + (b.bytes[p.key] ?? 0), 0);
  const max = Math.max(1, ...bars.map(total));
  const barH = 22;
  const rowH = 64;
  const top = 48;
  const height = top + bars.length * rowH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" class="stacked-bars" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" preserveAspectRatio="xMinYMin meet" aria-label="${escapeHtml(title)}">`,
    `<title>${escapeHtml(title)}</title>`,
    `<text x="0" y="18" font-size="15" font-weight="bold">${escapeHtml(title)}</text>`,
  ];
  parts.forEach((p, i) => {
    const x = i * 150;
    out.push(`<rect x="${x}" y="28" width="12" height="12" fill="${p.color}"/>`);
    out.push(`<text x="${x + 18}" y="39" font-size="12">${escapeHtml(p.label)}</text>`);
  });
  bars.forEach((b, bi) => {
    const y = top + bi * rowH;
    out.push(
      `<text class="bar-name" x="0" y="${y + 14}" font-size="13" font-weight="600">${escapeHtml(b.name)}: ${formatBytes(total(b))}</text>`,
    );
    let x = 0;
    for (const p of parts) {
      const v = b.bytes[p.key] ?? 0;
      const w = (v / max) * WIDTH;
      out.push(
        `<rect class="segment" data-bar="${escapeHtml(b.name)}" data-part="${p.key}" data-bytes="${v}" x="${r1(x)}" y="${y + 20}" width="${r1(w)}" height="${barH}" fill="${p.color}"><title>${escapeHtml(`${b.name}: ${p.label} ${formatBytes(v)}`)}</title></rect>`,
      );
      x += w;
    }
    const legend = parts.map((p) => `${p.label} ${formatBytes(b.bytes[p.key] ?? 0)}`).join(' · ');
    out.push(
      `<text class="bar-parts" x="0" y="${y + 58}" font-size="12" fill="#475467">${escapeHtml(legend)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n');
}

/** The three parts of an image the reports draw: base, CA bundle and configuration, app binary. */
export const COMPOSITION_PARTS: readonly BarPart[] = [
  { key: 'base', label: 'base', color: '#98a2b3' },
  { key: 'caAndConfig', label: 'CA and config', color: '#f79009' },
  { key: 'app', label: 'app binary', color: '#2e90fa' },
];
