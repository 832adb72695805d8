import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, test } from 'vitest';
import { cli } from '../helpers/cli.js';
import { exec } from '../helpers/exec.js';
import { loadDockerfileBases } from '../helpers/go-builder-image.js';
import { tempDir } from '../helpers/tmp.js';

const GOAPPS = fileURLToPath(new URL('../fixtures/goapps/', import.meta.url));

beforeAll(() => loadDockerfileBases(['1.21']), 600_000);

test('compare ./cmd/alpha --with-dockerfile takes the same package argument as build, from the module root', async () => {
  const dir = join(await tempDir(), 'goapps');
  await cp(GOAPPS, dir, { recursive: true });
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const r = await cli([
      'compare',
      './cmd/alpha',
      '--no-defaults',
      '--base',
      'scratch',
      '--with-dockerfile',
      '--dockerfile-base',
      'scratch',
      '--json',
    ]);
    expect(r.err).not.toMatch(/error/);
    expect(r.status).toBe(0);
    const result = JSON.parse(r.out) as {
      rows: { base: string; analysis?: unknown; size: number }[];
      skipped: unknown[];
    };
    expect(result.skipped).toEqual([]);
    expect(result.rows.map((row) => row.base)).toEqual(['scratch', 'Dockerfile: scratch']);
    // Both images hold alpha: the docker-built one within a few KB of minnow's (CA bundle, passwd).
    const [minnow, docker] = result.rows.map((row) => row.size);
    expect(Math.abs(docker! - minnow!)).toBeLessThan(300_000);
  } finally {
    process.chdir(cwd);
  }
  // compare removed the Dockerfile-built image.
  expect(await exec('docker', ['images', '-q', 'minnow-compare/scratch'])).toBe('');
}, 600_000);
