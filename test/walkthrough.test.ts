import { randomBytes } from 'node:crypto';
import { cp, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/docker.js';
import { exec } from './helpers/exec.js';
import { tempDir } from './helpers/tmp.js';

/**
 * The README's "Install", "Use it on your project" and library sections, played as a new user would: the package
 * made with `npm pack`, installed into a fresh project (a service with a third-party module and embedded files),
 * and each command of the README block run in order.
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SERVICE = join(ROOT, 'test', 'fixtures', 'walkthrough');
const id = randomBytes(4).toString('hex');
const IMAGE = `minnow-walkthrough-${id}:dev`;
const CONTAINER = `minnow-walkthrough-${id}`;

/** The first fenced block of a README section, as its lines (comments after the command dropped). */
function sectionBlock(readme: string, heading: string, lang: string): string[] {
  const start = readme.indexOf(`\n## ${heading}\n`);
  expect(start, `README section "${heading}"`).toBeGreaterThan(-1);
  const body = readme.slice(start);
  const open = body.indexOf('```' + lang + '\n');
  const close = body.indexOf('\n```', open + 1);
  return body
    .slice(open + lang.length + 4, close)
    .split('\n')
    .map((l) => l.replace(/\s+#\s.*$/, '').trim())
    .filter(Boolean);
}

let project: string;
let tarball: string;
let port: number;

beforeAll(async () => {
  await stat(join(ROOT, 'dist', 'cli', 'main.js')).catch(() => {
    throw new Error('dist/ is missing: run `npm run build` (npm test does) before this test');
  });
  const work = await tempDir('minnow-walkthrough-');
  // dist/ is built by `npm test` before vitest runs; --ignore-scripts keeps pack from rebuilding it under
  // the other test files' feet.
  const packed = await exec('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], {
    cwd: ROOT,
  });
  tarball = join(work, packed.trim().split('\n').pop() ?? '');
  project = join(work, 'my-service');
  await cp(SERVICE, project, { recursive: true });
  await writeFile(
    join(project, 'package.json'),
    JSON.stringify({ name: 'my-service', private: true, type: 'module' }, null, 2),
  );
  port = await freePort();
}, 300_000);

afterAll(async () => {
  await exec('docker', ['rm', '-f', CONTAINER]).catch(() => undefined);
  await exec('docker', ['rmi', '-f', IMAGE]).catch(() => undefined);
});

/** A README command line as it runs here: the packed file, unique names, host networking on a free port. */
function localize(line: string): string {
  return line
    .replaceAll('/path/to/minnow-0.1.0.tgz', tarball)
    .replaceAll('my-service:dev', IMAGE)
    .replaceAll('--name my-service', `--name ${CONTAINER}`)
    .replaceAll('docker rm -f my-service', `docker rm -f ${CONTAINER}`)
    .replaceAll('-p 8080:8080', `--network host -e PORT=${port}`)
    .replaceAll('127.0.0.1:8080', `127.0.0.1:${port}`)
    .replace(/^curl /, 'curl --retry 30 --retry-connrefused --retry-delay 1 --max-time 5 ');
}

describe('the README walkthrough', () => {
  it('installs the packed package and plays "Use it on your project" end to end', async () => {
    const lines = sectionBlock(
      await readFile(join(ROOT, 'README.md'), 'utf8'),
      'Use it on your project',
      'sh',
    );
    expect(lines[0]).toMatch(/^npm install/);
    const outputs: string[] = [];
    for (const line of lines) {
      outputs.push(await exec('bash', ['-c', localize(line)], { cwd: project }));
    }
    const version = await exec('npx', ['minnow', '--version'], { cwd: project });
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(version.trim()).toBe(pkg.version);
    const text = outputs.join('\n');
    // The chi route answered, from the image built by the installed package.
    expect(text).toContain('hello, you');
    // analyze saw the binary and the non-root user.
    expect(text).toMatch(/65532/);
    // dockerfile wrote its files, and the context leaves .minnow out.
    expect(await readFile(join(project, 'Dockerfile'), 'utf8')).toMatch(/^FROM .*golang:1\.22 AS build$/m);
    expect((await readFile(join(project, '.dockerignore'), 'utf8')).split('\n')).toContain('.minnow');
  }, 600_000);

  it('compiles the README library example against the installed package types', async () => {
    const [example] = [
      (await readFile(join(ROOT, 'README.md'), 'utf8')).match(
        /## Use it as a library[\s\S]*?```ts\n([\s\S]*?)```/,
      )?.[1],
    ];
    expect(example).toBeTruthy();
    await writeFile(join(project, 'example.ts'), example ?? '');
    await exec('npm', ['install', '--silent', '--no-audit', '--no-fund', '--save-dev', '@types/node@20'], {
      cwd: project,
    });
    await exec(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--target',
        'es2022',
        '--types',
        'node',
        'example.ts',
      ],
      { cwd: project },
    );
  }, 300_000);
});
