/** A rectangle in SVG user units. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The worst aspect ratio of a row of areas laid along a side of length `side`. */
function worst(row: readonly number[], side: number): number {
  const sum = row.reduce((a, b) => a + b, 0);
  const max = Math.max(...row);
  const min = Math.min(...row);
  const s2 = side * side;
  return Math.max((s2 * max) / (sum * sum), (sum * sum) / (s2 * min));
}

/**
 * Squarified treemap layout (Bruls, Huizing, van Wijk 2000): splits `into` into one rectangle per value, each of
 * area proportional to its value, keeping them close to squares. Values must be sorted largest first; zero and
 * negative values get no rectangle. Returns rectangles in the order of `values` (index `i` for each).
 */
export function squarify(values: readonly number[], into: Rect): (Rect & { i: number })[] {
  const total = values.reduce((a, v) => a + Math.max(0, v), 0);
  if (total <= 0 || into.w <= 0 || into.h <= 0) return [];
  const scale = (into.w * into.h) / total;
  const items = values.map((v, i) => ({ i, area: Math.max(0, v) * scale })).filter((x) => x.area > 0);
  const out: (Rect & { i: number })[] = [];
  let r = { ...into };
  let at = 0;
  while (at < items.length) {
    const side = Math.min(r.w, r.h);
    let end = at + 1;
    while (
      end < items.length &&
      worst(
        items.slice(at, end + 1).map((x) => x.area),
        side,
      ) <=
        worst(
          items.slice(at, end).map((x) => x.area),
          side,
        )
    ) {
      end++;
    }
    const row = items.slice(at, end);
    const sum = row.reduce((a, x) => a + x.area, 0);
    if (r.w >= r.h) {
      // A column along the left side.
      const w = sum / r.h;
      let y = r.y;
      for (const x of row) {
        const h = x.area / w;
        out.push({ i: x.i, x: r.x, y, w, h });
        y += h;
      }
      r = { x: r.x + w, y: r.y, w: r.w - w, h: r.h };
    } else {
      // A row along the top.
      const h = sum / r.w;
      let x0 = r.x;
      for (const x of row) {
        const w = x.area / h;
        out.push({ i: x.i, x: x0, y: r.y, w, h });
        x0 += w;
      }
      r = { x: r.x, y: r.y + h, w: r.w, h: r.h - h };
    }
    at = end;
  }
  return out;
}
