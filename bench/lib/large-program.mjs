// A large real Go program with many modules, for benchmarks: Helm's CLI (helm.sh/helm/v3, ~170 modules; its
// stripped binary is over 50 MB), fetched through the Go module proxy into a writable copy so a bench can edit it.
// Used by bench/inner-loop.mjs and the size benches:
//   const app = await prepareLargeProgram(workDir);  // { dir, pkg, name, mainFile, edit(i) }
import { execFile } from 'node:child_process';
import { chmod, cp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The module, pinned so every run and every machine builds the same program. */
export const LARGE_PROGRAM = {
  module: 'helm.sh/helm/v3',
  version: 'v3.22.0',
  /** The main package, relative to the module root. */
  pkg: './cmd/helm',
  name: 'helm',
  /** The file a one-line edit changes, and the line it changes (a string the program prints). */
  mainFile: 'cmd/helm/helm.go',
  editLine: 'format = fmt.Sprintf("WARNING: %s\\n", format)',
};

/** The module cache is read-only: the copy must be writable to be edited (and removed). */
async function makeWritable(dir) {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await makeWritable(path);
    else if (entry.isFile()) await chmod(path, 0o644);
  }
}

/**
 * Copies the pinned module's source from the Go module cache (downloading it through GOPROXY when missing) to
 * `<workDir>/<name>` and downloads every module it needs, so a cold build that follows measures compiling, not
 * the network. `edit(i)` makes a one-line change to a string the program uses (so the binary really changes);
 * `restore()` puts the line back.
 */
export async function prepareLargeProgram(workDir, { go = 'go', env = process.env } = {}) {
  const p = LARGE_PROGRAM;
  const { stdout } = await run(go, ['mod', 'download', '-json', `${p.module}@${p.version}`], {
    env,
    maxBuffer: 1 << 20,
  });
  const info = JSON.parse(stdout);
  if (info.Error) throw new Error(`go mod download ${p.module}@${p.version}: ${info.Error}`);
  const dir = join(workDir, p.name);
  if (!(await stat(dir).catch(() => undefined))) {
    await cp(info.Dir, dir, { recursive: true });
    await makeWritable(dir);
  }
  await run(go, ['mod', 'download'], { cwd: dir, env, maxBuffer: 16 << 20 });
  const mainPath = join(dir, p.mainFile);
  const original = await readFile(mainPath, 'utf8');
  if (!original.includes(p.editLine)) throw new Error(`${p.mainFile} no longer has the line the bench edits`);
  return {
    dir,
    pkg: p.pkg,
    name: p.name,
    mainFile: mainPath,
    edit: (i) =>
      writeFile(mainPath, original.replace(p.editLine, p.editLine.replace('WARNING:', `WARNING(${i}):`))),
    restore: () => writeFile(mainPath, original),
  };
}
