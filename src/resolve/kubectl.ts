import { spawn, type ChildProcess } from 'node:child_process';
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

/** The kubectl verbs that take resolved YAML on stdin (`kubectl VERB -f -`), as ko's apply/create/delete do. */
export type KubectlYamlVerb = 'apply' | 'create' | 'delete';

/** Runs `kubectl apply -f - <args>` with `yaml` on its stdin and returns its exit status. */
export function kubectlApply(yaml: string, options: KubectlApplyOptions = {}): Promise<KubectlResult> {
  return kubectlWithYaml('apply', yaml, options);
}

/** Runs `kubectl VERB -f - <args>` with `yaml` on its stdin and returns its exit status. */
export function kubectlWithYaml(
  verb: KubectlYamlVerb,
  yaml: string,
  options: KubectlApplyOptions = {},
): Promise<KubectlResult> {
  return runKubectl([verb, '-f', '-', ...(options.args ?? [])], { ...options, stdin: yaml });
}

/**
 * The argv of `kubectl run NAME --image=IMAGE ARGS` (ko run's): the pod runs the pushed digest; ARGS are the
 * user's, after `--` on minnow's command line (kubectl's own `--` before container arguments included).
 */
export function kubectlRunArgs(name: string, image: string, args: readonly string[] = []): string[] {
  return ['run', name, `--image=${image}`, ...args];
}

/** Options of `runKubectl`: those of `kubectlApply` but the arguments, and what goes to its standard input. */
export interface RunKubectlOptions extends Omit<KubectlApplyOptions, 'args'> {
  /** Written to kubectl's stdin. Default: nothing (stdin closed). */
  stdin?: string;
  /** Give kubectl this process's terminal (`kubectl run -it`); stdout, stderr and stdin are then ignored. */
  inheritStdio?: boolean;
}

/** Runs kubectl with `argv` (and `stdin`, if given, on its standard input) and returns its exit status. */
export async function runKubectl(
  argv: readonly string[],
  options: RunKubectlOptions = {},
): Promise<KubectlResult> {
  const kubectl = options.kubectl ?? (await findKubectl(options.env));
  const spawnOptions = {
    env: options.env ?? process.env,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  if (options.inheritStdio) {
    const child = spawn(kubectl, argv, { stdio: 'inherit', ...spawnOptions });
    return exitOf(child, kubectl, () => '');
  }
  const child = spawn(kubectl, argv, { stdio: ['pipe', 'pipe', 'pipe'], ...spawnOptions });
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => options.stdout?.write(c));
  child.stderr.on('data', (c: Buffer) => {
    options.stderr?.write(c);
    stderr = (stderr + c.toString()).slice(-65536);
  });
  child.stdin.on('error', () => undefined); // kubectl may exit before reading everything; its status says why
  child.stdin.end(options.stdin ?? '');
  return exitOf(child, kubectl, () => stderr);
}

/** kubectl's exit status once it has exited, or NOT_FOUND when it could not be started. */
function exitOf(child: ChildProcess, kubectl: string, stderr: () => string): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    child.on('error', (err) =>
      reject(
        new MinnowError('NOT_FOUND', `cannot run ${kubectl}: ${err.message}`, {
          subject: kubectl,
          cause: err,
        }),
      ),
    );
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stderr: stderr() }));
  });
}
