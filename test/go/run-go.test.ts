import { execFile } from 'node:child_process';
import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';

const run = promisify(execFile);
const RUN_GO = new URL('../../dist/go/run-go.js', import.meta.url).href;

describe('runGo when the process ends while go runs (go/run-go.ts)', () => {
  it('kills go and what it started and removes its work files when the process exits mid-run', async () => {
    const root = await tempDir();
    const log = join(root, 'go.log');
    // A "go" that makes a work file in its GOTMPDIR, says so, and works on for 30 s in a child (sleep).
    const go = join(root, 'go');
    await writeFile(go, `#!/bin/sh\n: > "$GOTMPDIR/go-build-work"\necho "$$" >> '${log}'\nsleep 30\n`);
    await chmod(go, 0o755);
    await writeFile(log, '');
    // A process that starts go, then exits (as the CLI does on an error) once go has begun its work.
    const script = `
      import { readFileSync } from 'node:fs';
      const { runGo } = await import(${JSON.stringify(RUN_GO)});
      void runGo(${JSON.stringify(go)}, ['build'], { cwd: ${JSON.stringify(root)}, env: { ...process.env, GOTMPDIR: ${JSON.stringify(root)} } });
      const wait = () => readFileSync(${JSON.stringify(log)}, 'utf8').trim() ? process.exit(3) : setTimeout(wait, 10);
      wait();`;
    const ended = await run(process.execPath, ['--input-type=module', '-e', script]).then(
      () => 0,
      (err: { code?: number }) => err.code,
    );
    expect(ended).toBe(3);
    const pid = Number((await readFile(log, 'utf8')).trim());
    // go ran in a process group of its own (its pid is the group's): no process of that group is left, the
    // sleep it started included.
    let alive = true;
    for (const until = Date.now() + 5000; alive && Date.now() < until; await sleep(20)) {
      try {
        process.kill(-pid, 0);
      } catch {
        alive = false;
      }
    }
    expect(alive).toBe(false);
    expect((await readdir(root)).filter((n) => n.startsWith('minnow-go-'))).toEqual([]);
  });
});
