import { readFile, realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runGo } from './run-go.js';

/** The Go installation a build uses. */
export interface GoInfo {
  /** `go1.22.5`. */
  version?: string;
  goroot?: string;
}

/**
 * The version and GOROOT of a go command. Read from the installation itself (`<GOROOT>/VERSION`, the go binary
 * being `<GOROOT>/bin/go`) when it can be, which costs no process; else from `go env`.
 */
export async function goInfo(go: string, dir: string, env: NodeJS.ProcessEnv): Promise<GoInfo> {
  const goroot = env.GOROOT || dirname(dirname(await realpath(go).catch(() => go)));
  const version = await readFile(join(goroot, 'VERSION'), 'utf8')
    .then((t) => t.split('\n')[0]?.trim())
    .catch(() => undefined);
  if (version && /^go\d/.test(version)) return { version, goroot };
  const run = await runGo(go, ['env', '-json', 'GOVERSION', 'GOROOT'], { cwd: dir, env });
  if (run.code !== 0) return {};
  const parsed = JSON.parse(run.stdout) as { GOVERSION?: string; GOROOT?: string };
  return {
    ...(parsed.GOVERSION ? { version: parsed.GOVERSION } : {}),
    ...(parsed.GOROOT ? { goroot: parsed.GOROOT } : {}),
  };
}
