import type { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { EngineClient, engineAddress, type EngineAddress } from '../engine/client.js';
import {
  attachContainer,
  createContainer,
  inspectContainer,
  pullImage,
  removeContainer,
  resizeContainer,
  startContainer,
  waitContainer,
  type ContainerSpec,
} from '../engine/containers.js';
import { demuxStdio } from '../engine/stdio-stream.js';
import { MinnowError } from '../errors.js';

/** The toolbox image when none is given: a shell and the usual tools (ps, wget, nslookup, top) in 2 MB. */
export const DEFAULT_TOOLBOX_IMAGE = 'docker.io/library/busybox:1.36';

/** How long the toolbox's last output may take to arrive after it has exited. */
const DRAIN_MS = 5_000;

/** Where the toolbox's stdio goes: the user's terminal, or plain streams. */
export interface ToolboxStdio {
  /** Given: the toolbox's stdin is attached (an interactive shell, or a piped script). */
  stdin?: Readable;
  stdout: Writable;
  stderr: Writable;
  /** A terminal: the toolbox gets a TTY (raw bytes both ways, one stream). Default false. */
  tty?: boolean;
  /** The terminal's size, given to the toolbox's TTY at start and whenever `onResize` fires. */
  size?: () => { rows: number; columns: number };
  /** Registers a resize listener; returns how to unregister it. */
  onResize?: (listener: () => void) => () => void;
}

export interface DebugContainerOptions {
  /** A running container of the Engine: name or id (a unique prefix of it, as the Engine allows). */
  target: string;
  /** The toolbox image. Default busybox (`DEFAULT_TOOLBOX_IMAGE`), pulled by the Engine when missing. */
  image?: string;
  /** A command to run instead of the image's default (its shell). */
  command?: string[];
  stdio: ToolboxStdio;
  /** The Engine. Default from DOCKER_HOST, else the local socket. */
  engine?: EngineAddress;
  /** Stops the toolbox (and removes it). */
  signal?: AbortSignal;
}

export interface DebugContainerResult {
  /** The toolbox's exit status. */
  exitCode: number;
  /** The target's full id and name. */
  target: { id: string; name: string };
  image: string;
}

/** The toolbox container: in the target's PID and network namespaces, able to read /proc/1/root, removed on exit. */
export function toolboxSpec(
  targetId: string,
  image: string,
  options: { command?: string[]; stdin: boolean; tty: boolean },
): ContainerSpec {
  return {
    Image: image,
    ...(options.command?.length ? { Cmd: options.command } : {}),
    Tty: options.tty,
    OpenStdin: options.stdin,
    StdinOnce: options.stdin,
    AttachStdin: options.stdin,
    AttachStdout: true,
    AttachStderr: true,
    Labels: { 'dev.minnow.debug.target': targetId },
    HostConfig: {
      PidMode: `container:${targetId}`,
      NetworkMode: `container:${targetId}`,
      // The target runs as another user: reading its /proc/1/root (and strace, gdb) needs ptrace rights.
      CapAdd: ['SYS_PTRACE'],
      AutoRemove: true,
    },
  };
}

/** The image in the Engine, pulled when it is not there yet; one clear error when neither works. */
async function ensureImage(engine: EngineClient, image: string, signal?: AbortSignal): Promise<void> {
  try {
    await engine.inspectImage(image);
    return;
  } catch (err) {
    if (!(err instanceof MinnowError) || err.code !== 'NOT_FOUND') throw err;
  }
  try {
    await pullImage(engine, image, signal);
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new MinnowError(
      'NOT_FOUND',
      `the toolbox image ${image} is not in the Engine and could not be pulled: ${err instanceof Error ? err.message : String(err)}`,
      { subject: image, cause: err, hint: 'docker load one, or pass --image with an image the Engine has' },
    );
  }
}

/**
 * `minnow debug CONTAINER`: starts a toolbox container that shares the target's PID and network namespaces (so
 * `ps` shows the app, `wget 127.0.0.1:PORT` reaches it, and its files are at /proc/1/root), attached to `stdio`,
 * and removed when it exits (AutoRemove, and removed here too on any failure or abort). Everything goes through
 * the Engine API; the target image needs no shell. Resolves with the toolbox's exit status.
 */
export async function debugContainer(options: DebugContainerOptions): Promise<DebugContainerResult> {
  const address = options.engine ?? engineAddress();
  const image = options.image ?? DEFAULT_TOOLBOX_IMAGE;
  const { stdio, signal } = options;
  const tty = stdio.tty ?? false;
  // The attach and the wait each hold a connection for as long as the toolbox runs.
  const engine = new EngineClient(address);
  const attaching = new EngineClient(address);
  const waiting = new EngineClient(address);
  let id: string | undefined;
  let removed = false;
  try {
    const target = await inspectContainer(engine, options.target);
    if (!target.State.Running) {
      throw new MinnowError(
        'NOT_FOUND',
        `container ${options.target} is not running (${target.State.Status}): there is nothing to debug`,
        {
          subject: options.target,
          hint: 'start it first; a toolbox joins the namespaces of a running container',
        },
      );
    }
    await ensureImage(engine, image, signal);
    const spec = toolboxSpec(target.Id, image, {
      ...(options.command ? { command: options.command } : {}),
      stdin: stdio.stdin !== undefined,
      tty,
    });
    id = await createContainer(engine, spec);
    const socket = await attachContainer(attaching, id, { stdin: stdio.stdin !== undefined });
    const { exit } = await waitContainer(waiting, id, 'removed', signal);
    const output = tty
      ? new Promise<void>((resolve, reject) => {
          socket.on('data', (b: Buffer) => stdio.stdout.write(b));
          socket.once('end', resolve).once('close', resolve).once('error', reject);
        })
      : demuxStdio(socket, stdio.stdout, stdio.stderr);
    output.catch(() => undefined);
    if (stdio.stdin) {
      stdio.stdin.on('data', (b: Buffer) => socket.write(b));
      // End of input ends the toolbox's stdin (StdinOnce), not the attach: its output still comes back.
      stdio.stdin.once('end', () => socket.end());
    }
    await startContainer(engine, id);
    const started = id;
    const resize = (): void => {
      const size = stdio.size?.();
      if (size) resizeContainer(engine, started, size).catch(() => undefined);
    };
    const stopResizing = tty ? stdio.onResize?.(resize) : undefined;
    if (tty) resize();
    const onAbort = (): void => {
      removeContainer(engine, started).catch(() => undefined);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const exitCode = await exit;
      removed = true;
      await Promise.race([output, sleep(DRAIN_MS)]);
      return { exitCode, target: { id: target.Id, name: target.Name.replace(/^\//, '') }, image };
    } finally {
      signal?.removeEventListener('abort', onAbort);
      stopResizing?.();
      if (stdio.stdin) stdio.stdin.removeAllListeners('data');
      socket.destroy();
    }
  } catch (err) {
    if (signal?.aborted) throw new MinnowError('ABORTED', 'minnow debug was interrupted', { cause: err });
    throw err;
  } finally {
    // AutoRemove removes it once it has run; one that never started (or was stopped) is removed here.
    if (id && !removed) await removeContainer(engine, id).catch(() => undefined);
    await Promise.all(
      [engine.close(), attaching.destroy(), waiting.destroy()].map((p) => p.catch(() => undefined)),
    );
  }
}
