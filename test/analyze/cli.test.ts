import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { analyzeImage } from '../../src/analyze/analyze.js';
import type { ImageAnalysis } from '../../src/analyze/types.js';
import { build } from '../../src/build/build.js';
import { main } from '../../src/cli/main.js';
import { writeLayout } from '../../src/publish/layout.js';
import { alpineBase, distrolessBase } from '../helpers/fixture-images.js';
import { tempDir } from '../helpers/tmp.js';

/** Runs the CLI in-process and captures what it prints. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
    out += String(c);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
    err += String(c);
    return true;
  });
  process.exitCode = undefined;
  try {
    const code = await main(['node', 'minnow', ...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}

describe('minnow analyze / sbom on the command line', () => {
  let dir: string;
  let alpine: string;
  let distroless: string;
  const savedCache = process.env.MINNOW_CACHE_DIR;
  afterAll(() => {
    if (savedCache === undefined) delete process.env.MINNOW_CACHE_DIR;
    else process.env.MINNOW_CACHE_DIR = savedCache;
  });
  beforeAll(async () => {
    dir = await tempDir();
    // Builds run by the CLI keep their cache in the test's temp dir.
    process.env.MINNOW_CACHE_DIR = join(dir, 'cache');
    alpine = join(dir, 'alpine');
    distroless = join(dir, 'distroless');
    await writeLayout(alpine, { kind: 'image', image: await alpineBase() }, { tag: '3.19' });
    await writeLayout(
      distroless,
      { kind: 'image', image: await distrolessBase('nonroot') },
      { tag: 'nonroot' },
    );
  });
  afterEach(() => vi.restoreAllMocks());

  it('progress says how many bytes of the image were read so far', async () => {
    process.env.MINNOW_TIMING = '1';
    try {
      const r = await cli(['analyze', `oci:${alpine}:3.19`]);
      expect(r.code).toBe(0);
      expect(r.err).toMatch(/analyzed layer 1\/1, [\d.]+ [kM]B of [\d.]+ [kM]B read/);
    } finally {
      delete process.env.MINNOW_TIMING;
    }
  });

  it('--json prints the stable analysis', async () => {
    const r = await cli(['analyze', `oci:${alpine}:3.19`, '--json']);
    expect(r.code).toBe(0);
    const a = JSON.parse(r.out) as ImageAnalysis;
    expect(a.schemaVersion).toBe(1);
    expect(a.reference).toBe(`oci:${alpine}:3.19`);
    expect(a.packages).toHaveLength(15);
    expect(Number.isFinite(a.efficiency.score)).toBe(true);
  });

  it('--fail-on high exits 3 and says why; a clean image passes', async () => {
    const bad = await cli(['analyze', `oci:${alpine}:3.19`, '--fail-on', 'high']);
    expect(bad.code).toBe(3);
    expect(bad.out).toContain('MN-UP-001');
    expect(bad.err).toMatch(/fails the policy: 1 finding at or above high: MN-UP-001 runs as root/);
    expect(bad.err.trim().split('\n')).toHaveLength(1);
    const good = await cli([
      'analyze',
      `oci:${distroless}:nonroot`,
      '--fail-on',
      'high',
      '--max-size',
      '10MB',
    ]);
    expect(good.code).toBe(0);
  });

  it('--max-size exits 3 naming the size', async () => {
    const r = await cli(['analyze', `oci:${distroless}:nonroot`, '--max-size', '1MB', '--markdown']);
    expect(r.code).toBe(3);
    expect(r.out).toContain('| severity | rule | finding | fix |');
    expect(r.err).toMatch(/size 2\.\d\d MB \(\d+ bytes\) exceeds the --max-size of 1\.00 MB/);
  });

  it('bad flags exit 2 before reading anything; a missing image exits 1', async () => {
    expect((await cli(['analyze', `oci:${alpine}`, '--fail-on', 'severe'])).code).toBe(2);
    expect((await cli(['analyze', `oci:${alpine}`, '--max-size', 'ten'])).code).toBe(2);
    const missing = await cli(['analyze', `oci:${join(dir, 'nope')}`]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^error: .*nope/);
  });

  it('sbom -o writes the file atomically, and nothing on failure', async () => {
    const file = join(dir, 'out', 'alpine.cdx.json');
    const ok = await cli(['sbom', `oci:${alpine}:3.19`, '--format', 'cyclonedx-json', '-o', file]);
    expect(ok.code).toBe(0);
    const doc = JSON.parse(await readFile(file, 'utf8')) as { components: unknown[] };
    expect(doc.components).toHaveLength(15);
    const bad = join(dir, 'out', 'bad.json');
    expect((await cli(['sbom', `oci:${join(dir, 'nope')}`, '-o', bad])).code).toBe(1);
    expect((await cli(['sbom', `oci:${alpine}:3.19`, '--format', 'xml', '-o', bad])).code).toBe(2);
    await expect(stat(bad)).rejects.toThrow();
    expect((await readdir(join(dir, 'out'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a minnow scratch image holds only the binary and the CA bundle, and runs as 65532', async () => {
    const result = await build({ dir: 'examples/hello', base: 'scratch', cacheDir: join(dir, 'cache') });
    const a = await analyzeImage(result.images[0]!.image);
    const files = a.files.largest.map((f) => f.path).sort();
    expect(files).toEqual(['/app/hello', '/etc/ssl/certs/ca-certificates.crt']);
    expect(a.files.count).toBe(2);
    expect(a.config.user).toBe('65532:65532');
    expect(a.config.runsAsRoot).toBe(false);
    expect(a.utilities.shells).toEqual([]);
    expect(a.goBinaries.map((b) => [b.path, b.dynamic])).toEqual([['/app/hello', false]]);
    expect(a.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(a.runtime.caBundle).toBe('/etc/ssl/certs/ca-certificates.crt');
  });

  it('compare --no-defaults --base LABEL=SPEC --json/--markdown/--html', async () => {
    const html = join(dir, 'cmp', 'compare.html');
    const args = [
      'compare',
      'examples/hello',
      '--no-defaults',
      '--base',
      `alpine=oci:${alpine}:3.19`,
      '--base',
      'static',
    ];
    const json = await cli([...args, '--json', '--html', html]);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.out) as {
      rows: { base: string; shell: boolean; analysis?: unknown }[];
      recommendation: string;
    };
    expect(doc.rows.map((r) => [r.base, r.shell])).toEqual([
      ['alpine', true],
      ['static', false],
    ]);
    expect(doc.rows[0]?.analysis).toBeUndefined();
    expect(doc.recommendation).toMatch(/^use static/);
    expect(await readFile(html, 'utf8')).toContain('<tr class="surface-row" data-base="alpine">');
    const md = await cli([...args, '--markdown']);
    expect(md.out).toMatch(/^## hello: base image comparison/);
    expect(
      (await cli(['compare', 'examples/hello', '--no-defaults', '--base', 'oci:/nonexistent'])).code,
    ).toBe(1);
  });

  it('build --sbom writes the SBOM of what it built', async () => {
    const sbom = join(dir, 'build', 'hello.cdx.json');
    const out = join(dir, 'build', 'layout');
    const r = await cli([
      'build',
      'examples/hello',
      '-o',
      `oci:${out}:latest`,
      '--sbom',
      sbom,
      '--sbom-format',
      'cyclonedx-json',
      '-q',
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(await readFile(sbom, 'utf8')) as {
      metadata: { component: { version: string } };
      components: { purl: string }[];
    };
    expect(doc.metadata.component.version).toBe(r.out.trim());
    expect(doc.components.map((c) => c.purl)).toEqual(
      expect.arrayContaining(['pkg:golang/hello', expect.stringMatching(/^pkg:golang\/stdlib@1\.\d+/)]),
    );
    const bad = await cli([
      'build',
      'examples/hello',
      '-o',
      `oci:${out}:x`,
      '--sbom',
      join(dir, 'x.json'),
      '--sbom-format',
      'xml',
    ]);
    expect(bad.code).toBe(2);
  });
});
