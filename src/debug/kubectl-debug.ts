import { spawn } from 'node:child_process';
import { MinnowError } from '../errors.js';

/** A pod to debug: `pod/NAME` with its namespace and, optionally, the container whose processes to join. */
export interface PodTarget {
  pod: string;
  namespace?: string;
  /** The container to share a PID namespace with (`--target`). Default: the pod's first container. */
  container?: string;
}

/** `pod/NAME` (or `pods/NAME`) → the pod's name; undefined for anything else (an Engine container). */
export function parsePodTarget(target: string): string | undefined {
  const m = /^pods?\/(.+)$/.exec(target);
  if (!m) return undefined;
  const name = m[1] as string;
  // A DNS-1123 subdomain, as Kubernetes names pods.
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(name)) {
    throw new MinnowError('INVALID_ARGUMENT', `invalid pod name ${name}`, {
      subject: name,
      hint: 'pod names are lower-case letters, digits, - and .',
    });
  }
  return name;
}

/** The first container of a pod, as kubectl reads it; used when no --container names the target. */
export const FIRST_CONTAINER_JSONPATH = '{.spec.containers[0].name}';

/**
 * The arguments of the ephemeral debug container equivalent to `minnow debug` for a pod: `kubectl debug -it
 * pod/NAME --target=CONTAINER --image=IMAGE --profile=general` (general: SYS_PTRACE, so /proc/1/root and strace
 * work), then `-- COMMAND` when one is given. Interactive (`-it`) unless a command runs without a terminal, which
 * attaches to its output instead.
 */
export function kubectlDebugArgs(
  target: PodTarget & { container: string },
  options: { image: string; command?: string[]; interactive: boolean },
): string[] {
  return [
    'debug',
    ...(options.interactive ? ['-it'] : ['--attach']),
    `pod/${target.pod}`,
    ...(target.namespace ? ['-n', target.namespace] : []),
    `--target=${target.container}`,
    `--image=${options.image}`,
    '--profile=general',
    ...(options.command?.length ? ['--', ...options.command] : []),
  ];
}

/** One word for a POSIX shell: as it is when it is safe, else in single quotes. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", "'\\''")}'`;
}

/**
 * The command a user can paste. Without a container name the target is the pod's first container, looked up by
 * the shell when the line runs (`$(kubectl get pod … -o jsonpath=…)`), so printing needs no cluster.
 */
export function kubectlDebugCommand(
  target: PodTarget,
  options: { image: string; command?: string[]; interactive: boolean },
): string {
  const words = ['kubectl', ...kubectlDebugArgs({ ...target, container: target.container ?? '' }, options)];
  const quoted = words.map(shellQuote);
  if (target.container) return quoted.join(' ');
  const namespace = target.namespace ? ` -n ${shellQuote(target.namespace)}` : '';
  const lookup = `$(kubectl get pod ${shellQuote(target.pod)}${namespace} -o jsonpath=${shellQuote(FIRST_CONTAINER_JSONPATH)})`;
  return quoted.map((w, i) => (words[i] === '--target=' ? `--target=${lookup}` : w)).join(' ');
}

interface RunOptions {
  kubectl: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/** Runs kubectl with the terminal handed over (stdio inherited); resolves with its exit status. */
function runKubectl(
  args: string[],
  options: RunOptions,
  stdio: 'inherit' | 'pipe',
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.kubectl, args, {
      stdio: stdio === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe'],
      env: options.env ?? process.env,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-65536)));
    child.once('error', (err) =>
      reject(
        new MinnowError('NOT_FOUND', `cannot run ${options.kubectl}: ${err.message}`, {
          subject: options.kubectl,
          cause: err,
        }),
      ),
    );
    child.once('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}

/**
 * Runs the ephemeral debug container (`minnow debug pod/NAME --run`): the target container is looked up first
 * when none is named (a failing lookup, say no cluster, is one clear error), then `kubectl debug` gets the
 * terminal. Resolves with kubectl's exit status.
 */
export async function runKubectlDebug(
  target: PodTarget,
  options: RunOptions & { image: string; command?: string[]; interactive: boolean },
): Promise<number> {
  let container = target.container;
  if (!container) {
    const lookup = await runKubectl(
      [
        'get',
        'pod',
        target.pod,
        ...(target.namespace ? ['-n', target.namespace] : []),
        '-o',
        `jsonpath=${FIRST_CONTAINER_JSONPATH}`,
      ],
      options,
      'pipe',
    );
    container = lookup.stdout.trim();
    if (lookup.code !== 0 || !container) {
      const said = lookup.stderr.trim().split('\n').filter(Boolean).at(-1) ?? `exit status ${lookup.code}`;
      throw new MinnowError(
        'NOT_FOUND',
        `cannot find the containers of pod ${target.pod}: kubectl: ${said}`,
        {
          subject: target.pod,
          hint: 'check the cluster (kubectl config current-context) and -n, or name the container with --container',
        },
      );
    }
  }
  const run = await runKubectl(kubectlDebugArgs({ ...target, container }, options), options, 'inherit');
  return run.code;
}
