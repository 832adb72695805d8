import { describe, expect, it } from 'vitest';
import type { BinaryAttribution } from '../../src/go/attribution.js';
import { squarify } from '../../src/report/squarify.js';
import { svgTreemap } from '../../src/report/svg-treemap.js';

describe('squarify', () => {
  it('tiles the rectangle exactly, areas proportional to values, zero values left out', () => {
    const values = [600, 300, 60, 30, 9, 1, 0];
    const into = { x: 10, y: 20, w: 400, h: 250 };
    const tiles = squarify(values, into);
    expect(tiles.map((t) => t.i).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const total = values.reduce((a, b) => a + b, 0);
    const problems: string[] = [];
    for (const t of tiles) {
      const want = ((values[t.i] ?? 0) / total) * into.w * into.h;
      if (Math.abs(t.w * t.h - want) > 1e-6 * want)
        problems.push(`tile ${t.i}: area ${t.w * t.h}, want ${want}`);
      if (t.x < into.x - 1e-9 || t.y < into.y - 1e-9) problems.push(`tile ${t.i} starts outside`);
      if (t.x + t.w > into.x + into.w + 1e-9 || t.y + t.h > into.y + into.h + 1e-9)
        problems.push(`tile ${t.i} ends outside`);
    }
    expect(problems).toEqual([]);
    // Squarified: the two largest tiles are not slivers.
    for (const t of tiles.filter((t) => t.i < 2)) expect(Math.max(t.w / t.h, t.h / t.w)).toBeLessThan(3);
  });

  it('gives nothing for nothing', () => {
    expect(squarify([], { x: 0, y: 0, w: 10, h: 10 })).toEqual([]);
    expect(squarify([0, 0], { x: 0, y: 0, w: 10, h: 10 })).toEqual([]);
    expect(squarify([5], { x: 0, y: 0, w: 0, h: 10 })).toEqual([]);
    expect(squarify([5], { x: 1, y: 2, w: 10, h: 10 })).toEqual([{ i: 0, x: 1, y: 2, w: 10, h: 10 }]);
  });
});

describe('svgTreemap', () => {
  it('escapes module and package names from the binary (a hostile build info cannot inject markup)', () => {
    const evil = 'evil.example/<script>alert(1)</script>"&\'';
    const a: BinaryAttribution = {
      fileSize: 1000,
      kinds: { code: 600, rodata: 200, types: 0, pclntab: 200, data: 0, other: 0 },
      nonGoCode: 0,
      codePadding: 0,
      attributed: 800,
      unattributed: 200,
      modules: [{ path: evil, version: 'v1.0.0"><x', code: 600, pclntab: 200, functions: 3, packages: 1 }],
      packages: [{ path: `${evil}/pkg`, module: evil, code: 600, pclntab: 200, functions: 3 }],
    };
    const svg = svgTreemap('/app/<b>', a);
    expect(svg).not.toMatch(/<script|<x|<b>|"&'/);
    expect(svg).toContain(
      'data-module="evil.example/&#60;script&#62;alert(1)&#60;/script&#62;&#34;&#38;&#39;"',
    );
    expect(svg.match(/<rect class="tm-(module|package|rest)"/g)).toHaveLength(3);
  });
});
