import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { renderDockerignore } from '../../src/dockerfile/dockerignore.js';
import { exec } from '../helpers/exec.js';
import { tempDir } from '../helpers/tmp.js';
import { copyHello } from '../go/go-fixtures.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/minnow.cjs', import.meta.url));

describe('the default output folder .minnow/', () => {
  it('is ignored by git on its own, so a default build leaves the work tree clean', async () => {
    const repo = await copyHello(join(await tempDir(), 'hello'));
    const git = (...args: string[]): Promise<string> =>
      exec('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: repo });
    await git('init', '-q');
    await git('add', '.');
    await git('commit', '-qm', 'init');
    await run(process.execPath, [BIN, 'build', '-q'], { cwd: repo });
    expect(await readFile(join(repo, '.minnow', 'hello', 'index.json'), 'utf8')).toContain('latest');
    expect(await readFile(join(repo, '.minnow', '.gitignore'), 'utf8')).toMatch(/^\*$/m);
    expect(await git('status', '--porcelain', '--untracked-files=all')).toBe('');
  });

  it('keeps a .gitignore the user wrote there', async () => {
    const repo = await copyHello(join(await tempDir(), 'hello'));
    await exec('mkdir', ['-p', join(repo, '.minnow')]);
    await exec('sh', ['-c', `printf 'hello/\\n' > ${join(repo, '.minnow', '.gitignore')}`]);
    await run(process.execPath, [BIN, 'build', '-q'], { cwd: repo });
    expect(await readFile(join(repo, '.minnow', '.gitignore'), 'utf8')).toBe('hello/\n');
  });

  it('is left out of the build context by the generated .dockerignore', () => {
    expect(renderDockerignore().split('\n')).toContain('.minnow');
  });
});
