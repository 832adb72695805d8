import { describe, expect, it } from 'vitest';
import { build } from '../../src/build/build.js';
import type { BuildProgress } from '../../src/build/types.js';
import { HELLO_DIR } from '../go/go-fixtures.js';

describe('build progress', () => {
  it('names the compiler again once the base is read, so the spinner never says "base" while Go compiles', async () => {
    const events: BuildProgress[] = [];
    await build({ dir: HELLO_DIR, onProgress: (e) => events.push(e) });
    const phases = events.map((e) => e.phase);
    const base = phases.indexOf('resolve');
    const layer = phases.indexOf('layer');
    expect(base).toBeGreaterThan(-1);
    expect(phases.slice(base + 1, layer)).toContain('compile');
    expect(phases.at(-1)).toBe('done');
  });
});
