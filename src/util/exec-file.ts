import { execFile, type ExecFileOptions } from 'node:child_process';

/**
 * `promisify(execFile)`, with text output: its error carries `stdout` and `stderr` as promisify's does. Not
 * written with node:util, whose ES import evaluates every lazy export it has (6 ms of a start-up on a slow CPU).
 */
export function execFileText(
  file: string,
  args: readonly string[],
  options: ExecFileOptions = {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { ...options, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stdout, stderr }));
      else resolve({ stdout, stderr });
    });
  });
}
