import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, test } from 'vitest';
import { dockerfileCompareRows } from '../../src/compare/dockerfile-rows.js';
import { exec } from '../helpers/exec.js';
import { loadDockerfileBases } from '../helpers/go-builder-image.js';
import { tempDir } from '../helpers/tmp.js';

const HELLO = fileURLToPath(new URL('../../examples/hello/', import.meta.url));

beforeAll(() => loadDockerfileBases(['1.21']), 600_000);

test('compare --with-dockerfile rows: the Dockerfile-built image analyzed like minnow’s, then removed', async () => {
  const dir = join(await tempDir(), 'hello');
  await cp(HELLO, dir, { recursive: true });
  const progress: string[] = [];
  const { rows, skipped } = await dockerfileCompareRows({
    dir,
    bases: ['scratch', 'alpine:3.0'],
    onProgress: (m) => progress.push(m),
  });
  expect(rows).toHaveLength(1);
  const row = rows[0]!;
  expect(row).toMatchObject({
    base: 'Dockerfile: scratch',
    spec: 'dockerfile:scratch',
    shell: false,
    packageManager: false,
    root: false,
    articleSize: 6.67e6,
  });
  // The stripped Go server plus the CA bundle; the article's scratch image kept symbols and DWARF.
  expect(row.size).toBeGreaterThan(4e6);
  expect(row.size).toBeLessThan(row.articleSize! * 1.1);
  expect(row.analysis.config.user).toBe('65532:65532');
  // An image the Engine does not hold and cannot pull offline is skipped with the Engine's reason.
  expect(skipped).toHaveLength(1);
  expect(skipped[0]?.base).toBe('Dockerfile: alpine:3.0');
  expect(skipped[0]?.reason).toMatch(/docker build/);
  expect(progress).toContain('docker build on scratch');
  expect(await exec('docker', ['images', '-q', 'minnow-compare/scratch'])).toBe('');
}, 300_000);
