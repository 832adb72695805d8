import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeImage } from '../../../src/analyze/analyze.js';
import { diffImages, type ImageDiff } from '../../../src/analyze/diff.js';
import { openImage } from '../../../src/analyze/open.js';
import type { Image, Layer } from '../../../src/oci/index.js';
import { copyHello, writeModule } from '../../go/go-fixtures.js';
import { alpineBase } from '../../helpers/fixture-images.js';
import { tempDir } from '../../helpers/tmp.js';
import { writeLayout } from '../../../src/publish/layout.js';
import { plain, runCli } from '../build-helpers.js';

const run = promisify(execFile);

/** The edit: the program now uses encoding/json, which the first build did not have, so the binary grows. */
async function addJson(src: string): Promise<void> {
  const main = join(src, 'main.go');
  const code = (await readFile(main, 'utf8'))
    .replace('import (', 'import (\n\t"encoding/json"')
    .replace(
      'fmt.Printf("Server starting',
      'out, _ := json.Marshal(port)\n\tfmt.Println(string(out))\n\tfmt.Printf("Server starting',
    );
  await writeFile(main, code);
}

/** Forwards every member of `target`, bound, except those in `override`. */
function forward<T extends object>(target: T, override: Partial<T>): T {
  return new Proxy(target, {
    get(t, prop) {
      if (prop in override) return override[prop as keyof T];
      const v: unknown = Reflect.get(t, prop, t);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}

/** The image, with every blob read of its layers (compressed or not) counted by layer digest. */
function counting(image: Image, reads: Map<string, number>): Image {
  const count = async (l: Layer): Promise<void> => {
    const d = await l.digest();
    reads.set(d, (reads.get(d) ?? 0) + 1);
  };
  const wrap = (l: Layer): Layer =>
    forward(l, {
      compressed: async () => (await count(l), l.compressed()),
      uncompressed: async () => (await count(l), l.uncompressed()),
    });
  return forward(image, { layers: async () => (await image.layers()).map(wrap) });
}

describe('minnow diff (two real builds of examples/hello, one edit apart)', () => {
  let a: string;
  let b: string;
  let labelled: string;
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
    const src = await copyHello(join(dir, 'src'));
    a = `oci:${join(dir, 'a')}:v1`;
    b = `oci:${join(dir, 'b')}:v1`;
    labelled = `oci:${join(dir, 'labelled')}:v1`;
    expect((await runCli(['build', src, '-o', a, '-q'])).code).toBe(0);
    // The same layers, another config.
    expect((await runCli(['build', src, '-o', labelled, '-q', '--label', 'team=size'])).code).toBe(0);
    await addJson(src);
    expect((await runCli(['build', src, '-o', b, '-q'])).code).toBe(0);
  });

  it('reports layers, Go modules and packages that changed, as JSON', async () => {
    const r = await runCli(['diff', a, b, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as ImageDiff;
    expect(d.layers.shared).toBe(1); // the base layer
    expect(d.layers.unchanged).toHaveLength(1);
    expect(d.layers.added).toHaveLength(1);
    expect(d.layers.removed).toHaveLength(1);
    expect(d.size.compressed.change).toBeGreaterThan(0);
    const json = d.goPackages.find((p) => p.name === 'encoding/json');
    expect(json?.a).toBe(0);
    expect(json?.b).toBeGreaterThan(10_000);
    expect(d.goModules.find((m) => m.name === 'std')?.change).toBeGreaterThan(0);
    expect(d.files.find((f) => f.name === '/app/hello')?.change).toBeGreaterThan(0);
    expect(d.findings.appeared).toEqual([]);
    expect(d.gate).toBeUndefined();
  });

  it('prints text and Markdown that fits a pull-request comment', async () => {
    const text = await runCli(['diff', a, b]);
    expect(text.code).toBe(0);
    expect(plain(text.stdout)).toMatch(/^\+[0-9.]+ kB\s+0 B\s+[0-9.]+ kB\s+encoding\/json$/m);
    expect(plain(text.stdout)).toMatch(/^=\s+[0-9a-f]{12}\s+[0-9.]+ [kM]B/m); // the unchanged base layer
    const md = await runCli(['diff', a, b, '--format', 'markdown']);
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/^### Image diff: /);
    expect(md.stdout).toMatch(
      /^\| compressed \| [0-9.]+ MB \| [0-9.]+ MB \| \+[0-9.]+ kB \(\+[0-9.]+%\) \|$/m,
    );
    expect(md.stdout).toMatch(/^\| layers \| 2 \| 2 \| 1 unchanged, 1 added, 1 removed \|$/m);
    // The package list is longer than a comment should show open: folded, with the table inside.
    expect(md.stdout).toMatch(/<details><summary>Go packages: \d+ changed<\/summary>\n\n\| change \|/);
    expect(md.stdout).toMatch(/\| \+[0-9.]+ kB \| 0 B \| [0-9.]+ kB \| encoding/);
  });

  it('--max-growth exits 3 only past the limit and says which gate failed, in every format', async () => {
    expect((await runCli(['diff', a, b, '--max-growth', '50%'])).code).toBe(0);
    const passed = await runCli(['diff', a, b, '--max-growth', '50%', '--json']);
    expect((JSON.parse(passed.stdout) as ImageDiff).gate).toMatchObject({ gate: 'max-growth', passed: true });

    const tight = await runCli(['diff', a, b, '--max-growth', '1KB']);
    expect(tight.code).toBe(3);
    expect(plain(tight.stdout)).toMatch(
      /^max-growth: FAIL \(exit status 3\): compressed size grew by \d+ bytes/m,
    );
    expect(plain(tight.stderr)).toMatch(
      /compressed size grew by \d+ bytes .*more than --max-growth 1000 bytes/,
    );
    expect(plain(tight.stderr).trim().split('\n')).toHaveLength(1);

    const json = await runCli(['diff', a, b, '--max-growth', '0.1%', '--json']);
    expect(json.code).toBe(3);
    const d = JSON.parse(json.stdout) as ImageDiff;
    expect(d.gate).toMatchObject({ gate: 'max-growth', limit: '0.1%', passed: false });
    expect(d.gate!.grewBytes).toBe(d.size.compressed.change);
    expect(d.gate!.allowedBytes).toBe(Math.floor(d.size.compressed.a * 0.001));

    const md = await runCli(['diff', a, b, '--max-growth', '1KB', '--markdown']);
    expect(md.code).toBe(3);
    expect(md.stdout).toMatch(/^\*\*max-growth: FAIL\*\*: compressed size grew by/m);

    const file = join(dir, 'diff.html');
    const html = await runCli(['diff', a, b, '--max-growth', '1KB', '--html', file]);
    expect(html.code).toBe(3);
    expect(await readFile(file, 'utf8')).toMatch(
      /<p class="verdict fail" data-gate="max-growth"><strong>max-growth: FAIL<\/strong> \(exit status 3\)/,
    );

    const bad = await runCli(['diff', a, b, '--max-growth', 'lots']);
    expect(bad.code).toBe(2);
    expect(plain(bad.stderr)).toMatch(/--max-growth must be a percentage \(5%\) or a size \(200KB\)/);
    expect((await runCli(['diff', a])).code).toBe(2);
  });

  it('reads a layer both images share once (the base), and every other layer', async () => {
    const reads = new Map<string, number>();
    const [ia, ib] = [counting(await openImage(a), reads), counting(await openImage(b), reads)];
    const { diff } = await diffImages(ia, ib);
    const base = diff.layers.unchanged[0]!.digest;
    expect(reads.get(base)).toBe(1);
    for (const l of [...diff.layers.added, ...diff.layers.removed])
      expect(reads.get(l.digest)).toBeGreaterThan(0);
    // The replayed base gives the second analysis what reading it would: the same diff as two full analyses.
    const plainA = await analyzeImage(await openImage(a));
    const plainB = await analyzeImage(await openImage(b));
    const { diff: again } = await diffImages(await openImage(a), await openImage(b));
    expect(again.size).toEqual({
      compressed: {
        a: plainA.size.compressed,
        b: plainB.size.compressed,
        change: plainB.size.compressed - plainA.size.compressed,
      },
      content: {
        a: plainA.size.content,
        b: plainB.size.content,
        change: plainB.size.content - plainA.size.content,
      },
    });
    const { analyses } = await diffImages(await openImage(a), await openImage(b));
    expect(analyses[1]).toEqual({ ...plainB, reference: analyses[1].reference });
    // Without the memo, the counter sees the base twice: it counts what it should.
    const twice = new Map<string, number>();
    await analyzeImage(counting(await openImage(a), twice));
    await analyzeImage(counting(await openImage(b), twice));
    expect(twice.get(base)).toBe(2);
  });

  it('stops the other analysis when one fails, and throws the failure', async () => {
    const reads = new Map<string, number>();
    const good = counting(await openImage(a), reads);
    const img = await openImage(b);
    const broken = forward(img, {
      layers: async () =>
        (await img.layers()).map((l, i) =>
          i === 1 ? forward(l, { compressed: () => Promise.reject(new Error('blob went away')) }) : l,
        ),
    });
    await expect(diffImages(good, broken)).rejects.toThrow('blob went away');
  });

  it('reads the layers of two images that differ only in config once, the app binary attributed once', async () => {
    const reads = new Map<string, number>();
    const { diff, analyses } = await diffImages(
      counting(await openImage(a), reads),
      counting(await openImage(labelled), reads),
    );
    expect(diff.a.digest).not.toBe(diff.b.digest);
    expect([diff.layers.shared, diff.layers.added, diff.layers.removed]).toEqual([2, [], []]);
    // The base once; the app layer once, its binary attributed as it streams: for both images.
    expect([...reads.values()].sort()).toEqual([1, 1]);
    expect(analyses[1].goBinaries[0]?.attribution).toEqual(analyses[0].goBinaries[0]?.attribution);
    expect(analyses[1].goBinaries[0]?.attribution?.modules.length).toBeGreaterThan(0);
    expect([diff.goPackages, diff.files, diff.size.content.change]).toEqual([[], [], 0]);
  });
});

describe("minnow diff of the same app moved from minnow's static base to alpine", () => {
  it('lists the OS packages and the findings that appear, and nothing of Go', async () => {
    const dir = await tempDir();
    const src = await copyHello(join(dir, 'src'));
    await writeLayout(join(dir, 'alpine'), { kind: 'image', image: await alpineBase() }, { tag: '3.19' });
    const a = `oci:${join(dir, 'a')}:v1`;
    const b = `oci:${join(dir, 'b')}:v1`;
    expect((await runCli(['build', src, '-o', a, '-q'])).code).toBe(0);
    expect(
      (await runCli(['build', src, '-o', b, '-q', '--base', `oci:${join(dir, 'alpine')}:3.19`])).code,
    ).toBe(0);
    const onAlpine = await analyzeImage(await openImage(b));
    const r = await runCli(['diff', a, b, '--json']);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as ImageDiff;
    expect(d.osPackages.removed).toEqual([]);
    expect(d.osPackages.added).toEqual(onAlpine.packages.map((p) => `${p.name} ${p.version}`).sort());
    expect(d.osPackages.added.length).toBeGreaterThan(10);
    const rules = d.findings.appeared.map((f) => f.rule);
    expect(rules).toEqual(expect.arrayContaining(['MN-SU-001', 'MN-SU-002']));
    expect(d.findings.disappeared).toEqual([]);
    // The same binary on both: no Go change.
    expect([d.goModules, d.goPackages, d.goModuleVersions]).toEqual([[], [], []]);
    const md = (await runCli(['diff', a, b, '--markdown'])).stdout;
    expect(md).toMatch(/<details><summary>OS packages: \d+ changed<\/summary>\n\n\| {2}\| package \|/);
    expect(md).toMatch(/^\| \+ \| MN-SU-001 \| /m);
  }, 300_000);
});

describe('minnow diff of a dependency upgrade and a new dependency (modules from the Go module proxy)', () => {
  it('lists the module whose version changed and the module that appeared, with its bytes', async () => {
    const dir = await tempDir();
    const src = join(dir, 'src');
    const uuid =
      'package main\n\nimport (\n\t"fmt"\n\t"github.com/google/uuid"\n)\n\nfunc main() { fmt.Println(uuid.NewString()) }\n';
    await writeModule(src, { 'main.go': uuid });
    const go = (...args: string[]) => run('go', args, { cwd: src, maxBuffer: 1 << 24 });
    await go('get', 'github.com/google/uuid@v1.5.0');
    const a = `oci:${join(dir, 'a')}:v1`;
    const b = `oci:${join(dir, 'b')}:v1`;
    expect((await runCli(['build', src, '-o', a, '-q'])).code).toBe(0);
    await writeFile(
      join(src, 'main.go'),
      uuid
        .replace('"github.com/google/uuid"', '"github.com/google/uuid"\n\t"gopkg.in/yaml.v3"')
        .replace(
          'fmt.Println(uuid.NewString())',
          'out, _ := yaml.Marshal(uuid.NewString()); fmt.Println(string(out))',
        ),
    );
    await go('get', 'github.com/google/uuid@v1.6.0', 'gopkg.in/yaml.v3@v3.0.1');
    expect((await runCli(['build', src, '-o', b, '-q'])).code).toBe(0);
    const r = await runCli(['diff', a, b, '--json']);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as ImageDiff;
    expect(d.goModuleVersions).toEqual([
      { name: 'github.com/google/uuid', a: 'v1.5.0', b: 'v1.6.0' },
      { name: 'gopkg.in/yaml.v3', b: 'v3.0.1' },
    ]);
    const yaml = d.goModules.find((m) => m.name === 'gopkg.in/yaml.v3');
    expect(yaml?.a).toBe(0);
    expect(yaml?.b).toBeGreaterThan(50_000);
    const text = plain((await runCli(['diff', a, b])).stdout);
    expect(text).toMatch(/^github\.com\/google\/uuid\s+v1\.5\.0\s+v1\.6\.0$/m);
    expect(text).toMatch(/^gopkg\.in\/yaml\.v3\s+\(none\)\s+v3\.0\.1$/m);
  }, 300_000);
});

describe('minnow diff --rev (two git revisions of a package, built in temporary checkouts)', () => {
  it('builds both revisions with the same flags, diffs them, and leaves no checkout behind', async () => {
    const repo = await copyHello(join(await tempDir(), 'repo'));
    const git = (...args: string[]) =>
      run('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo });
    await git('init', '-q', '-b', 'main');
    await git('add', '-A');
    await git('commit', '-q', '-m', 'hello');
    await addJson(repo);
    await git('commit', '-q', '-am', 'json');
    // An uncommitted edit is not part of either revision.
    await writeFile(join(repo, 'main.go'), 'package main\n\nfunc main() { broken }\n');
    const tmp = await tempDir();
    const before = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      const r = await runCli(['diff', '--rev', 'HEAD~1', '--rev', 'main', repo, '--json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const d = JSON.parse(r.stdout) as ImageDiff;
      expect(d.a.reference).toMatch(/^HEAD~1 \([0-9a-f]{12}\)$/);
      expect(d.b.reference).toMatch(/^main \([0-9a-f]{12}\)$/);
      expect(d.goPackages.find((p) => p.name === 'encoding/json')?.a).toBe(0);
      expect(d.goPackages.find((p) => p.name === 'encoding/json')?.b).toBeGreaterThan(10_000);
      expect(d.layers.shared).toBe(1);
      expect(await readdir(tmp)).toEqual([]);

      const same = await runCli(['diff', '--rev', 'main', '--rev', 'main', repo, '--json']);
      expect(same.code).toBe(0);
      const s = JSON.parse(same.stdout) as ImageDiff;
      // Same commit, same flags: the same image (reproducible builds), so nothing changed.
      expect(s.a.digest).toBe(s.b.digest);
      expect([s.goPackages, s.layers.added, s.size.compressed.change]).toEqual([[], [], 0]);

      const bad = await runCli(['diff', '--rev', 'no-such-branch', '--rev', 'main', repo]);
      expect(bad.code).toBe(2);
      expect(plain(bad.stderr)).toMatch(/--rev no-such-branch: not a commit of /);
      const once = await runCli(['diff', '--rev', 'main', repo]);
      expect(once.code).toBe(2);
      expect(await readdir(tmp)).toEqual([]);
    } finally {
      if (before === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = before;
    }
  });
});
