import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';
import { BROKEN_MODULE, CGO_MODULE, HELLO_DIR, LIBRARY_MODULE, writeModule } from '../go/go-fixtures.js';
import { listDir, plain, runCli } from './build-helpers.js';

/** Runs a build that must fail and checks the one-line error, the exit status and that nothing was written. */
async function expectFailure(
  args: string[],
  work: string,
  expected: { code: number; line: RegExp; before?: string[] },
): Promise<string> {
  const before = expected.before ?? (await listDir(work));
  const run = await runCli(['build', ...args]);
  expect(run.code).toBe(expected.code);
  expect(run.stdout).toBe('');
  const lines = plain(run.stderr).trimEnd().split('\n');
  const errorLines = lines.filter((l) => l.startsWith('error: '));
  expect(errorLines).toHaveLength(1);
  expect(errorLines[0]).toMatch(expected.line);
  expect(await listDir(work)).toEqual(before);
  return plain(run.stderr);
}

describe('minnow build: bad input gives one clear line, a non-zero exit, nothing left behind', () => {
  it('not a Go module', async () => {
    const work = await tempDir();
    await mkdir(join(work, 'src'));
    await expectFailure([join(work, 'src'), '--output', `oci:${join(work, 'out')}`], work, {
      code: 1,
      line: /^error: .*src is not in a Go module \(no go\.mod found\)$/,
    });
  });

  it('no main package', async () => {
    const work = await tempDir();
    const dir = await writeModule(join(work, 'lib'), LIBRARY_MODULE, 'example.com/lib');
    await expectFailure([dir, '--output', `oci:${join(work, 'out')}`], work, {
      code: 1,
      line: /^error: example\.com\/lib is package lib, not a main package$/,
    });
  });

  it('compile error, showing the compiler output', async () => {
    const work = await tempDir();
    const dir = await writeModule(join(work, 'broken'), BROKEN_MODULE);
    const stderr = await expectFailure([dir, '--output', `oci:${join(work, 'out')}`], work, {
      code: 1,
      line: /^error: go build example\.com\/app failed: .*undefined: undefinedThing$/,
    });
    expect(stderr).toContain('# example.com/app\n./main.go:4:2: undefined: undefinedThing');
  });

  it('cgo required, naming the package', async () => {
    const work = await tempDir();
    const dir = await writeModule(join(work, 'cgo'), CGO_MODULE);
    await expectFailure([dir, '--output', `oci:${join(work, 'out')}`], work, {
      code: 1,
      line: /^error: package example\.com\/app\/cgodep needs cgo \(c\.go import "C"\)/,
    });
  });

  it('output path not writable', async () => {
    const work = await tempDir();
    await writeFile(join(work, 'a-file'), 'x');
    await expectFailure([HELLO_DIR, '--output', `oci:${join(work, 'a-file', 'out')}`], work, {
      code: 1,
      line: /^error: cannot write oci:.*a-file\/out: .*a-file is not a directory$/,
    });
    await expectFailure([HELLO_DIR, '--output', 'docker:/sys/minnow-test-build/out.tar'], work, {
      code: 1,
      line: /^error: cannot write docker:\/sys\/minnow-test-build\/out\.tar: /,
    });
  });

  it('output path exists as something else: refused without --force, replaced with it', async () => {
    const work = await tempDir();
    await mkdir(join(work, 'notes'));
    await writeFile(join(work, 'notes', 'keep.txt'), 'mine');
    await writeFile(join(work, 'image.tar'), 'not a tarball');
    await expectFailure([HELLO_DIR, '--output', `oci:${join(work, 'notes')}`], work, {
      code: 1,
      line: /^error: .*notes exists and is not an OCI layout \(use --force to replace it\)$/,
    });
    expect(await listDir(join(work, 'notes'))).toEqual(['keep.txt']);
    await expectFailure([HELLO_DIR, '--output', `docker:${join(work, 'image.tar')}`], work, {
      code: 1,
      line: /^error: .*image\.tar exists and is not a tarball \(use --force to replace it\)$/,
    });
    const forced = await runCli([
      'build',
      HELLO_DIR,
      '--output',
      `oci:${join(work, 'notes')}`,
      '--force',
      '-q',
    ]);
    expect(forced.code).toBe(0);
    expect(await listDir(join(work, 'notes'))).toEqual(['blobs', 'index.json', 'oci-layout']);
  });

  it('a docker or Engine output of several platforms, none for this host, is refused before compiling', async () => {
    const work = await tempDir();
    const others = process.arch === 's390x' ? 'linux/amd64,linux/ppc64le' : 'linux/s390x,linux/ppc64le';
    const started = Date.now();
    await expectFailure(
      [HELLO_DIR, '--platform', others, '--output', `docker:${join(work, 'x.tar')}`],
      work,
      {
        code: 2,
        line: /^error: --output docker takes one image: this host's \(linux\/\w+\) of several platforms, and --platform does not build it$/,
      },
    );
    // Refused before any cross-compile could have run.
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('invalid --platform, --user, --port, --env, --output (exit 2: bad usage)', async () => {
    const work = await tempDir();
    const cases: [string[], RegExp][] = [
      [['--platform', 'linux/sparc'], /^error: invalid platform "linux\/sparc": unknown architecture$/],
      [['--platform', 'linux/amd64,linux/amd64'], /^error: platform linux\/amd64 is given twice$/],
      [
        ['--user', 'bob'],
        /^error: invalid --user "bob": user must be a number or one of root, nobody, nonroot$/,
      ],
      [['--port', '99999'], /^error: invalid --port "99999"/],
      [['--env', 'NO_EQUALS'], /^error: invalid --env "NO_EQUALS": want NAME=VALUE$/],
      [['--output', 'tarball:x.tar'], /^error: invalid --output "tarball:x\.tar": unknown kind$/],
      [['--output', 'daemon:Bad Name'], /^error: invalid --output "daemon:Bad Name"/],
    ];
    for (const [flags, line] of cases) {
      await expectFailure(
        [HELLO_DIR, ...flags, '--output', `oci:${join(work, 'out')}`].slice(
          0,
          flags[0] === '--output' ? 3 : undefined,
        ),
        work,
        {
          code: 2,
          line,
        },
      );
    }
  });
});
