import { escapeHtml } from './html-escape.js';

export interface BarSeries {
  name: string;
  /** CSS colour. */
  color: string;
  /** One value per category; undefined leaves the bar out. */
  values: (number | undefined)[];
}

/**
 * A horizontal grouped bar chart as inline SVG (no scripts, no external fonts): one group per category, one bar
 * per series, each labelled with `format(value)`. Bars carry `data-category`/`data-series` for tests and tooling.
 */
export function svgBarChart(options: {
  title: string;
  categories: string[];
  series: BarSeries[];
  format: (v: number) => string;
  width?: number;
}): string {
  const width = options.width ?? 760;
  const labelW = 220;
  const valueW = 90;
  const barH = 16;
  const gap = 4;
  const groupGap = 14;
  const max = Math.max(
    1,
    ...options.series.flatMap((s) => s.values.filter((v): v is number => v !== undefined)),
  );
  const plotW = width - labelW - valueW;
  const groupH = options.series.length * (barH + gap) + groupGap;
  // Legend entries flow left to right, as wide as their names (about 7 px a character at 12 px), wrapping.
  const legend: { x: number; y: number }[] = [];
  let lx = 0;
  let ly = 30;
  for (const s of options.series) {
    const w = 18 + s.name.length * 7 + 24;
    if (lx > 0 && lx + w > width) {
      lx = 0;
      ly += 18;
    }
    legend.push({ x: lx, y: ly });
    lx += w;
  }
  const legendH = ly - 30 + 24;
  const height = 30 + legendH + options.categories.length * groupH;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" class="bar-chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" aria-label="${escapeHtml(options.title)}">`,
  );
  parts.push(`<title>${escapeHtml(options.title)}</title>`);
  parts.push(`<text x="0" y="18" font-size="15" font-weight="bold">${escapeHtml(options.title)}</text>`);
  options.series.forEach((s, i) => {
    const { x, y } = legend[i]!;
    parts.push(`<rect x="${x}" y="${y}" width="12" height="12" fill="${s.color}"/>`);
    parts.push(`<text x="${x + 18}" y="${y + 11}" font-size="12">${escapeHtml(s.name)}</text>`);
  });
  options.categories.forEach((cat, ci) => {
    const y0 = 30 + legendH + ci * groupH;
    parts.push(
      `<text x="${labelW - 8}" y="${y0 + (options.series.length * (barH + gap)) / 2 + 4}" font-size="13" text-anchor="end">${escapeHtml(cat)}</text>`,
    );
    options.series.forEach((s, si) => {
      const v = s.values[ci];
      if (v === undefined) return;
      const y = y0 + si * (barH + gap);
      const w = Math.max(1, Math.round((v / max) * plotW));
      parts.push(
        `<rect class="bar" data-category="${escapeHtml(cat)}" data-series="${escapeHtml(s.name)}" data-value="${v}" x="${labelW}" y="${y}" width="${w}" height="${barH}" fill="${s.color}"><title>${escapeHtml(`${cat} — ${s.name}: ${options.format(v)}`)}</title></rect>`,
      );
      parts.push(
        `<text x="${labelW + w + 6}" y="${y + barH - 4}" font-size="12">${escapeHtml(options.format(v))}</text>`,
      );
    });
  });
  parts.push('</svg>');
  return parts.join('\n');
}
