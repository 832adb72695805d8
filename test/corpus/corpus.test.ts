import { execFileSync, spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaType } from '../../src/oci/index.js';
import { pushImage } from '../../src/publish/registry.js';
import { mapLimit } from '../../src/util/map-limit.js';
import { plain } from '../cli/build-helpers.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { copyHello } from '../go/go-fixtures.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { generateCorpus, type CorpusCase, type Expect } from './generate.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'minnow.cjs');
const HOOK = join(import.meta.dirname, 'rss-hook.mjs');
/** Peak RSS any run may reach, the bombs included (issue 15: ≤ 256 MiB). */
const MAX_RSS_KIB = 256 * 1024;
/** `CORPUS_ONLY=name,name` runs only those cases (while working on one). */
const ONLY = process.env.CORPUS_ONLY?.split(',');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  rssKiB: number;
}

async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.map((e) => join(e.parentPath, e.name).slice(dir.length)).sort();
}

/** The Go caches of this machine: the runs get their own HOME but must not rebuild the standard library. */
function goCaches(): Record<string, string> {
  const [cache, modcache, path] = execFileSync('go', ['env', 'GOCACHE', 'GOMODCACHE', 'GOPATH'], {
    encoding: 'utf8',
  }).split('\n');
  return { GOCACHE: cache!, GOMODCACHE: modcache!, GOPATH: path! };
}

describe('the hostile-input corpus: analyze, sbom and build --base over every case', () => {
  let root: string;
  let cases: CorpusCase[];
  let app: string;
  let reg: TestRegistry;
  let proxy: FaultProxy;
  let goEnv: Record<string, string>;
  const summary: { command: string; spec: string; held: boolean; rssKiB: number; why: string }[] = [];

  beforeAll(async () => {
    root = await tempDir('minnow-corpus-');
    cases = (await generateCorpus(join(root, 'cases'))).filter((c) => !ONLY || ONLY.includes(c.name));
    app = await copyHello(join(root, 'hello'));
    goEnv = goCaches();
    reg = await startRegistry();
    proxy = await startFaultProxy(reg.host);
    // Damage the registry would refuse to store is served by the proxy, in front of the real registry.
    const served = new Map<string, { type: string; body: Buffer }>();
    for (const c of cases) {
      if (c.image) {
        await pushImage(`${reg.host}/corpus/${c.name}:v1`, { kind: 'image', image: c.image });
        c.specs.push(`${proxy.host}/corpus/${c.name}:v1`);
      } else if (c.served) {
        served.set(`/v2/${c.served.repo}/manifests/v1`, {
          type: MediaType.OciManifest,
          body: c.served.manifest,
        });
        for (const [digest, body] of c.served.blobs ?? [])
          served.set(`/v2/${c.served.repo}/blobs/${digest}`, { type: 'application/octet-stream', body });
        c.specs.push(`${proxy.host}/${c.served.repo}:v1`);
      }
    }
    proxy.inject = (req) => {
      const answer = served.get(req.url ?? '');
      if (!answer) return undefined;
      return {
        status: 200,
        headers: { 'content-type': answer.type, 'content-length': String(answer.body.length) },
        body: req.method === 'HEAD' ? '' : answer.body,
      };
    };
  }, 600_000);

  afterAll(async () => {
    const held = summary.filter((s) => s.held).length;
    const worst = summary.reduce((m, s) => (s.rssKiB > m.rssKiB ? s : m), {
      rssKiB: 0,
      command: '',
      spec: '',
    });
    // The numbers issue 15 asks for, in the test log.
    console.log(
      `corpus: ${cases?.length ?? 0} cases, ${summary.length} runs, ${held} held; ` +
        `worst peak RSS ${(worst.rssKiB / 1024).toFixed(0)} MiB (${worst.command} ${worst.spec})`,
    );
    for (const s of summary.filter((x) => !x.held))
      console.log(`  did not hold: ${s.command} ${s.spec}: ${s.why}`);
    await proxy?.stop();
    await reg?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  async function run(args: string[], work: string): Promise<Run> {
    const rssFile = join(work, '..', 'rss');
    const child = spawn(process.execPath, ['--import', HOOK, BIN, ...args], {
      cwd: work,
      env: {
        ...process.env,
        ...goEnv,
        HOME: join(work, '..', 'home'),
        // Go keeps its telemetry counters under the user's config dir: not minnow's writing.
        XDG_CONFIG_HOME: join(root, 'go-config'),
        DOCKER_CONFIG: join(work, '..', 'home', '.docker'),
        MINNOW_CACHE_DIR: join(root, 'cache'),
        TMPDIR: join(work, '..', 'tmp'),
        MINNOW_RSS_FILE: rssFile,
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    const rssKiB = Number(await readFile(rssFile, 'utf8').catch(() => '0'));
    await rm(rssFile, { force: true });
    return { code, stdout, stderr: plain(stderr), rssKiB };
  }

  /** What went wrong with one run; empty when it held. */
  function problemsOf(r: Run, want: Expect, left: string[]): string[] {
    const errorLines = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
    const problems: string[] = [];
    if (r.code !== want.exit) problems.push(`exit ${r.code}, want ${want.exit}`);
    if (want.exit !== 0) {
      if (errorLines.length !== 1)
        problems.push(`${errorLines.length} error lines in ${JSON.stringify(r.stderr)}`);
      else if (want.line && !want.line.test(errorLines[0]!))
        problems.push(`line ${JSON.stringify(errorLines[0])}`);
    }
    if (r.stderr.includes('    at ')) problems.push('a stack trace');
    // eslint-disable-next-line no-control-regex
    if (/\u001b/.test(r.stdout + r.stderr)) problems.push('an ESC reached the terminal');
    if (r.rssKiB === 0) problems.push('no RSS recorded');
    if (r.rssKiB > MAX_RSS_KIB) problems.push(`peak RSS ${r.rssKiB} KiB`);
    if (left.length) problems.push(`wrote outside the target and cache: ${left.join(', ')}`);
    return problems;
  }

  /** Runs one command over one spec in a fresh working directory and checks it held. */
  async function attempt(
    c: CorpusCase,
    command: 'analyze' | 'sbom' | 'build',
    spec: string,
  ): Promise<string[]> {
    const dir = join(
      root,
      'runs',
      `${c.name}-${command}-${summary.length}-${Math.random().toString(16).slice(2)}`,
    );
    const work = join(dir, 'work');
    await mkdir(work, { recursive: true });
    await mkdir(join(dir, 'tmp'));
    await mkdir(join(dir, 'home'));
    const want = command === 'build' ? c.build : c.analyze;
    const args =
      command === 'build'
        ? ['build', app, '--base', spec, '--output', `oci:${join(work, 'out')}`, '--quiet']
        : [command, spec];
    const r = await run(args, work);
    const left = [
      ...(await listTree(work)).filter(
        (p) => !(command === 'build' && want.exit === 0 && p.startsWith('/out')),
      ),
      ...(await listTree(join(dir, 'tmp'))).map((p) => `$TMPDIR${p}`),
      ...(await listTree(join(dir, 'home'))).map((p) => `$HOME${p}`),
    ];
    const problems = problemsOf(r, want, left);
    summary.push({ command, spec, held: problems.length === 0, rssKiB: r.rssKiB, why: problems.join('; ') });
    await rm(dir, { recursive: true, force: true });
    return problems.map((p) => `${command} ${spec}: ${p}`);
  }

  it('every case holds: right exit, one clear line, bounded RSS, nothing written outside the target or cache', async () => {
    expect(cases.length).toBeGreaterThan(0);
    const runs = cases.flatMap((c) =>
      c.specs.flatMap((spec) =>
        (['analyze', 'sbom', 'build'] as const).map((command) => ({ c, command, spec })),
      ),
    );
    // Two at a time: the machine is shared, and the bombs are bounded per process.
    const problems = (await mapLimit(runs, 2, ({ c, command, spec }) => attempt(c, command, spec))).flat();
    expect(problems).toEqual([]);
  }, 1_200_000);
});
