import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveBase } from '../../src/base/resolve.js';
import { assertValid } from '../../src/oci/index.js';
import { exec } from '../helpers/exec.js';
import { httpGetWhenUp, runServer } from '../helpers/docker.js';
import { tempDir } from '../helpers/tmp.js';
import { HELLO_DIR } from '../go/go-fixtures.js';
import { plain, runCli } from './build-helpers.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const HELLO = 'Hello from the smallest Go container!';
const tag = (): string => `minnow-test-build/hello:${randomBytes(4).toString('hex')}`;
const images: string[] = [];
afterAll(async () => {
  for (const image of images) await exec('docker', ['rmi', '-f', image]).catch(() => undefined);
});

interface JsonSummary {
  digest: string;
  size: number;
  compressedSize: number;
  layers: number;
  output: string;
  user: string;
  entrypoint: string[];
}

async function buildJson(args: string[]): Promise<JsonSummary> {
  const run = await runCli(['build', HELLO_DIR, '--json', ...args]);
  expect(plain(run.stderr)).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as JsonSummary;
}

async function serveAndCheck(image: string): Promise<void> {
  const server = await runServer(image);
  try {
    expect(await httpGetWhenUp(server.port)).toBe(HELLO);
    expect(await server.uid()).toBe(65532);
  } finally {
    await server.stop();
  }
}

describe('minnow build against skopeo and the Docker Engine', () => {
  it('writes an OCI layout that skopeo inspects and copies, and prints one JSON object', async () => {
    const work = await tempDir();
    const layout = join(work, 'layout');
    const summary = await buildJson(['--output', `oci:${layout}:v1`]);
    expect(summary).toMatchObject({
      output: `oci:${layout}:v1`,
      layers: 2,
      user: '65532:65532',
      entrypoint: ['/app/hello'],
    });
    expect(summary.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(summary.compressedSize).toBeLessThan(summary.size);
    const inspected = JSON.parse(await exec('skopeo', ['inspect', `oci:${layout}:v1`])) as {
      Digest: string;
      Layers: string[];
    };
    expect(inspected.Digest).toBe(summary.digest);
    expect(inspected.Layers).toHaveLength(2);
    await exec('skopeo', ['copy', '-q', `oci:${layout}:v1`, `oci:${join(work, 'copy')}:v1`]);
    const copied = JSON.parse(await exec('skopeo', ['inspect', `oci:${join(work, 'copy')}:v1`])) as {
      Digest: string;
    };
    expect(copied.Digest).toBe(summary.digest);
    // A rebuild into the same layout replaces the tag and keeps the layout free of temp files.
    await buildJson(['--output', `oci:${layout}:v1`]);
    expect((await readdir(layout)).sort()).toEqual(['blobs', 'index.json', 'oci-layout']);
  });

  it('writes a docker tarball that skopeo reads and docker load runs: hello served, as uid 65532', async () => {
    const work = await tempDir();
    const file = join(work, 'hello.tar');
    // -t is a tag, never a name: the tarball's image is the app's name with it.
    const version = randomBytes(4).toString('hex');
    const name = `hello:${version}`;
    images.push(name);
    const summary = await buildJson(['--output', `docker:${file}`, '-t', version]);
    expect(summary.output).toBe(`docker:${file}`);
    const inspected = JSON.parse(await exec('skopeo', ['inspect', `docker-archive:${file}`])) as {
      Layers: string[];
    };
    expect(inspected.Layers).toHaveLength(2);
    await exec('skopeo', ['copy', '-q', `docker-archive:${file}`, `oci:${join(work, 'from-tar')}:x`]);
    const loaded = await exec('docker', ['load', '-i', file]);
    expect(loaded).toContain(`Loaded image: ${name}`);
    await serveAndCheck(name);
  });

  it('loads into the Engine with --output daemon:NAME:TAG (no docker CLI) and the image serves hello', async () => {
    const name = tag();
    images.push(name);
    const summary = await buildJson(['--output', `daemon:${name}`]);
    expect(summary.output).toBe(name);
    const info = JSON.parse(await exec('docker', ['image', 'inspect', name])) as {
      Config: { User: string };
    }[];
    expect(info[0]?.Config.User).toBe('65532:65532');
    // Read back from the Engine and checked byte for byte.
    await assertValid(await resolveBase(`daemon:${name}`), `daemon:${name}`);
    await serveAndCheck(name);
  });
});

describe('README quick start', () => {
  // dist/ is built by `npm test` before vitest runs. Rebuilding it here raced the other test files that run the
  // CLI at the same moment (a chunk missing mid-run, and a go build left behind by the CLI that died).
  beforeAll(async () => {
    await access(join(ROOT, 'dist', 'cli-bundle', 'minnow.cjs')).catch(() => {
      throw new Error('dist/ is missing: run `npm run build` (npm test does) before this test');
    });
  });

  it('`npx minnow build ./examples/hello` prints the summary and writes .minnow/hello in the cwd', async () => {
    const work = await tempDir();
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [join(ROOT, 'bin', 'minnow.cjs'), 'build', HELLO_DIR],
      { cwd: work },
    );
    expect(stderr).toBe('');
    const text = plain(stdout);
    expect(text).toMatch(/^Built oci:\.minnow\/hello:latest\n/);
    for (const label of ['digest', 'size', 'layers', 'user', 'entrypoint'])
      expect(text).toMatch(new RegExp(`^  ${label} +\\S`, 'm'));
    expect(text).toContain('65532:65532');
    const inspected = JSON.parse(
      await exec('skopeo', ['inspect', `oci:${join(work, '.minnow', 'hello')}:latest`]),
    ) as {
      Digest: string;
    };
    expect(text).toContain(inspected.Digest);
  });

  it('starts Go without loading the YAML parser, zod, undici, tar-stream or the analyzers first', async () => {
    // A resolve hook that lists every module an entry point pulls in at load time.
    const work = await tempDir();
    const hooks = join(work, 'hooks.mjs');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      hooks,
      "export async function resolve(s, c, next) { const r = await next(s, c); process.stderr.write(r.url + '\\n'); return r; }\n",
    );
    const loadedBy = async (entry: string): Promise<string[]> => {
      const { stderr } = await promisify(execFile)(process.execPath, [
        '--import',
        `data:text/javascript,import { register } from 'node:module'; register(${JSON.stringify(`file://${hooks}`)});`,
        '--input-type=module',
        '-e',
        `await import(${JSON.stringify(join(ROOT, 'dist', ...entry.split('/')))})`,
      ]);
      const loaded = stderr.split('\n').filter(Boolean);
      expect(loaded.some((u) => u.endsWith(`/dist/${entry}`))).toBe(true);
      return loaded;
    };
    // Before Go starts: the command and build().
    const startup = await loadedBy('cli/commands/build.js');
    expect(startup.some((u) => u.endsWith('/dist/build/build.js'))).toBe(true);
    for (const heavy of [
      '/node_modules/yaml/',
      '/node_modules/zod/',
      '/node_modules/undici/',
      '/node_modules/tar-stream/',
      '/dist/analyze/',
    ]) {
      expect(startup.filter((u) => u.includes(heavy))).toEqual([]);
    }
    // While Go compiles: the image model, but not the registry client or the analyzers.
    const assembly = await loadedBy('build/assemble.js');
    for (const heavy of [
      '/node_modules/yaml/',
      '/node_modules/undici/',
      '/dist/analyze/',
      '/dist/registry/',
    ]) {
      expect(assembly.filter((u) => u.includes(heavy))).toEqual([]);
    }
  });
});
