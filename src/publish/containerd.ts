import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { MinnowError } from '../errors.js';
import type { Digest, Image } from '../oci/index.js';
import { tarballStream } from './tarball.js';

/** Where containerd listens when neither the spec nor `CONTAINERD_ADDRESS` says. */
export const DEFAULT_CONTAINERD_ADDRESS = '/run/containerd/containerd.sock';

/** How long `ctr` may take: to answer `version`, and to import an image (a bound on every wait on a peer). */
export const CTR_TIMEOUTS = { pingMs: 10_000, importMs: 10 * 60_000 };

export interface ContainerdOptions {
  /** containerd's socket. Default `$CONTAINERD_ADDRESS`, else /run/containerd/containerd.sock. */
  address?: string;
  /** The `ctr` to run. Default `$CTR`, else `ctr` on PATH. */
  ctr?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

function addressOf(options: ContainerdOptions): string {
  const env = options.env ?? process.env;
  return options.address ?? (env.CONTAINERD_ADDRESS || DEFAULT_CONTAINERD_ADDRESS);
}

/** Runs `ctr -a ADDRESS ARGS`, feeding `stdin` (a stream) if given; resolves with stdout, or throws DAEMON_ERROR. */
async function ctr(
  args: string[],
  options: ContainerdOptions & { timeoutMs: number; stdin?: NodeJS.ReadableStream },
): Promise<string> {
  const env = options.env ?? process.env;
  const command = options.ctr ?? (env.CTR || 'ctr');
  const address = addressOf(options);
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const child = spawn(command, ['-a', address, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env, signal });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4096)));
  const feeding = options.stdin
    ? pipeline(options.stdin, child.stdin).catch((err: unknown) => err)
    : Promise.resolve(child.stdin.end());
  const exit = await new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, error }));
    child.once('close', (code) => resolve({ code }));
  });
  const fed = await feeding;
  const what = `ctr ${args.slice(0, 3).join(' ')}`;
  if (options.signal?.aborted)
    throw new MinnowError('ABORTED', 'cancelled', { cause: options.signal.reason });
  if (timeout.aborted) {
    throw new MinnowError(
      'DAEMON_ERROR',
      `${what} on ${address} did not finish within ${options.timeoutMs / 1000} s`,
      {
        subject: address,
      },
    );
  }
  if (exit.error) {
    const missing = (exit.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new MinnowError(
      missing ? 'NOT_FOUND' : 'DAEMON_ERROR',
      `cannot run ${command}: ${exit.error.message}`,
      {
        subject: command,
        cause: exit.error,
        ...(missing ? { hint: 'install containerd (its ctr command), or set CTR' } : {}),
      },
    );
  }
  if (exit.code !== 0) {
    const last = stderr.trim().split('\n').pop() ?? '';
    throw new MinnowError('DAEMON_ERROR', `${what} failed (exit ${exit.code}): ${last}`, {
      subject: address,
      ...(fed instanceof Error ? { cause: fed } : {}),
      hint: `is containerd listening on ${address}? (CONTAINERD_ADDRESS or containerd:NAMESPACE@SOCKET)`,
    });
  }
  if (fed instanceof Error) throw new MinnowError('DAEMON_ERROR', `${what}: ${fed.message}`, { cause: fed });
  return stdout;
}

/** Succeeds when containerd answers on its socket (`ctr version`). */
export async function pingContainerd(options: ContainerdOptions = {}): Promise<void> {
  // ctr keeps dialling a socket that is not there until its own timeout: say so at once.
  const address = addressOf(options);
  const info = await stat(address).catch(() => undefined);
  if (!info?.isSocket()) {
    throw new MinnowError('DAEMON_ERROR', `containerd is not listening on ${address} (no socket there)`, {
      subject: address,
      hint: 'start containerd, or name its socket: containerd:NAMESPACE@SOCKET or CONTAINERD_ADDRESS',
    });
  }
  await ctr(['version'], { ...options, timeoutMs: CTR_TIMEOUTS.pingMs });
}

/**
 * The name Kubernetes' image service looks an image up by: `docker.io/library/NAME:TAG` for a bare name,
 * `docker.io/NAME:TAG` for one without a registry host, else the reference as it is.
 */
export function containerdImageName(name: string, tag: string): string {
  const first = name.split('/')[0] as string;
  const hasHost = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  const full = hasHost ? name : name.includes('/') ? `docker.io/${name}` : `docker.io/library/${name}`;
  return `${full}:${tag}`;
}

/**
 * Imports one image into containerd's image store under `name` in `namespace` (`ctr images import -`, the
 * archive streamed on stdin, never written to disk), then reads back the digest containerd recorded for the
 * name and refuses a difference.
 */
export async function importIntoContainerd(
  image: Image,
  target: { namespace: string; name: string },
  options: ContainerdOptions = {},
): Promise<Digest> {
  const { stream, digest } = await tarballStream(image, [target.name]);
  await ctr(['-n', target.namespace, 'images', 'import', '-'], {
    ...options,
    timeoutMs: CTR_TIMEOUTS.importMs,
    stdin: stream,
  });
  const listed = await ctr(['-n', target.namespace, 'images', 'ls', `name==${target.name}`], {
    ...options,
    timeoutMs: CTR_TIMEOUTS.pingMs,
  });
  const recorded = /\s(sha256:[0-9a-f]{64})\s/.exec(listed.split('\n')[1] ?? '')?.[1];
  if (recorded !== digest) {
    throw new MinnowError(
      'DIGEST_MISMATCH',
      `containerd recorded ${target.name} as ${recorded ?? 'nothing'}, minnow wrote ${digest}`,
      { subject: target.name },
    );
  }
  return digest;
}
