import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageDiff } from '../../../src/analyze/diff.js';
import { copyHello } from '../../go/go-fixtures.js';
import { tempDir } from '../../helpers/tmp.js';
import { plain, runCli } from '../build-helpers.js';

describe('minnow diff (two real builds of examples/hello, one edit apart)', () => {
  let a: string;
  let b: string;
  beforeAll(async () => {
    const dir = await tempDir();
    const src = await copyHello(join(dir, 'src'));
    a = `oci:${join(dir, 'a')}:v1`;
    b = `oci:${join(dir, 'b')}:v1`;
    expect((await runCli(['build', src, '-o', a, '-q'])).code).toBe(0);
    const main = join(src, 'main.go');
    // The edit pulls in a package the first build did not have (encoding/json), so the binary grows.
    const code = (await readFile(main, 'utf8'))
      .replace('import (', 'import (\n\t"encoding/json"')
      .replace(
        'fmt.Printf("Server starting',
        'out, _ := json.Marshal(port)\n\tfmt.Println(string(out))\n\tfmt.Printf("Server starting',
      );
    await writeFile(main, code);
    expect((await runCli(['build', src, '-o', b, '-q'])).code).toBe(0);
  });

  it('reports layers, Go modules and packages that changed, as JSON', async () => {
    const r = await runCli(['diff', a, b, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as ImageDiff;
    expect(d.layers.shared).toBe(1); // the base layer
    expect(d.layers.added).toHaveLength(1);
    expect(d.layers.removed).toHaveLength(1);
    expect(d.size.compressed.change).toBeGreaterThan(0);
    const json = d.goPackages.find((p) => p.name === 'encoding/json');
    expect(json?.a).toBe(0);
    expect(json?.b).toBeGreaterThan(10_000);
    expect(d.goModules.find((m) => m.name === 'std')?.change).toBeGreaterThan(0);
    expect(d.findings.appeared).toEqual([]);
  });

  it('prints text and Markdown, and --max-growth fails with exit 3 only past the limit', async () => {
    const text = await runCli(['diff', a, b]);
    expect(text.code).toBe(0);
    expect(plain(text.stdout)).toMatch(/^\+[0-9.]+ kB\s+0 B\s+[0-9.]+ kB\s+encoding\/json$/m);
    const md = await runCli(['diff', a, b, '--markdown']);
    expect(md.stdout).toContain('### Image diff: ');
    expect(md.stdout).toMatch(/\| \+[0-9.]+ kB \| 0 B \| [0-9.]+ kB \| encoding\/json \|/);
    expect((await runCli(['diff', a, b, '--max-growth', '50%'])).code).toBe(0);
    const tight = await runCli(['diff', a, b, '--max-growth', '1KB']);
    expect(tight.code).toBe(3);
    expect(plain(tight.stderr)).toMatch(/compressed size grew by \d+ bytes .*more than 1000 bytes/);
    const bad = await runCli(['diff', a, b, '--max-growth', 'lots']);
    expect(bad.code).toBe(2);
  });
});
