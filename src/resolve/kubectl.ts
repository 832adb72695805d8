import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { Writable } from 'node:stream';
import { MinnowError } from '../errors.js';

/** Finds `kubectl` on PATH (or `$KUBECTL`); throws NOT_FOUND with a hint when there is none. */
export async function findKubectl(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const candidates = env.KUBECTL
    ? [env.KUBECTL]
    : (env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, 'kubectl'));
  for (const c of candidates) {
    if (
      await access(c, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return c;
  }
  throw new MinnowError('NOT_FOUND', 'kubectl is not installed (or not on PATH)', {
    subject: 'kubectl',
    hint: 'install kubectl, or run `minnow resolve` and pipe its output to your own deploy tool',
  });
}

export interface KubectlApplyOptions {
  /** The kubectl to run. Default: `findKubectl()`. */
  kubectl?: string;
  /** Extra arguments after `apply -f -` (e.g. `--namespace`, `--context`, `--dry-run=server`). */
  args?: string[];
  /** Where kubectl's output goes. Default: discarded (collected in the result). */
  stdout?: Writable;
  stderr?: Writable;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export interface KubectlResult {
  /** kubectl's exit status. */
  code: number;
  /** The last 64 KiB of its stderr, for an error message. */
  stderr: string;
}

/** Runs `kubectl apply -f - <args>` with `yaml` on its stdin and returns its exit status. */
export async function kubectlApply(yaml: string, options: KubectlApplyOptions = {}): Promise<KubectlResult> {
  const kubectl = options.kubectl ?? (await findKubectl(options.env));
  const child = spawn(kubectl, ['apply', '-f', '-', ...(options.args ?? [])], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: options.env ?? process.env,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => options.stdout?.write(c));
  child.stderr.on('data', (c: Buffer) => {
    options.stderr?.write(c);
    stderr = (stderr + c.toString()).slice(-65536);
  });
  child.stdin.on('error', () => undefined); // kubectl may exit before reading everything; its status says why
  child.stdin.end(yaml);
  return new Promise((resolve, reject) => {
    child.on('error', (err) =>
      reject(
        new MinnowError('NOT_FOUND', `cannot run ${kubectl}: ${err.message}`, {
          subject: kubectl,
          cause: err,
        }),
      ),
    );
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stderr }));
  });
}
