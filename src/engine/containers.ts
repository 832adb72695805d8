import type { Duplex } from 'node:stream';
import { MinnowError } from '../errors.js';
import type { EngineClient } from './client.js';

/** What the Engine says of a container (a subset of `GET /containers/{id}/json`). */
export interface EngineContainer {
  Id: string;
  Name: string;
  State: { Status: string; Running: boolean; Pid?: number };
  Config: { Image: string; User?: string };
}

/** The part of `POST /containers/create` a toolbox needs (the Engine API's own names). */
export interface ContainerSpec {
  Image: string;
  Cmd?: string[];
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  Labels?: Record<string, string>;
  HostConfig: {
    PidMode?: string;
    NetworkMode?: string;
    CapAdd?: string[];
    AutoRemove?: boolean;
  };
}

async function json<T>(
  engine: EngineClient,
  method: 'GET' | 'POST',
  path: string,
  what: string,
  subject: string,
  body?: unknown,
): Promise<T> {
  const res = await engine.request(
    {
      path,
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    },
    what,
  );
  if (res.statusCode < 200 || res.statusCode > 299) return engine.fail(res, what, subject);
  const text = await res.body.text();
  return (text ? JSON.parse(text) : {}) as T;
}

/** `GET /containers/{id}/json`: a container by name or id; NOT_FOUND names it when the Engine has none. */
export async function inspectContainer(engine: EngineClient, nameOrId: string): Promise<EngineContainer> {
  try {
    return await json<EngineContainer>(
      engine,
      'GET',
      `/containers/${encodeURIComponent(nameOrId)}/json`,
      `inspecting container ${nameOrId}`,
      nameOrId,
    );
  } catch (err) {
    if (err instanceof MinnowError && err.code === 'NOT_FOUND') {
      throw new MinnowError('NOT_FOUND', `the Engine has no container ${nameOrId}`, {
        subject: nameOrId,
        hint: 'docker ps lists the running ones, by name and id',
      });
    }
    throw err;
  }
}

/** `POST /containers/create`: returns the new container's id. */
export async function createContainer(engine: EngineClient, spec: ContainerSpec): Promise<string> {
  const created = await json<{ Id: string }>(
    engine,
    'POST',
    '/containers/create',
    `creating a container of ${spec.Image}`,
    spec.Image,
    spec,
  );
  return created.Id;
}

/** `POST /containers/{id}/start`. */
export async function startContainer(engine: EngineClient, id: string): Promise<void> {
  await json(engine, 'POST', `/containers/${id}/start`, 'starting the container', id);
}

/**
 * `POST /containers/{id}/wait`: resolves once the Engine has taken the wait (it answers the headers at once), with
 * `exit`, the exit status once the container reaches `condition` (`removed` for an AutoRemove container). Take the
 * wait before starting the container, or a quick exit is missed. It lasts as long as the container runs: bounded
 * by `signal` and the container's own end, not by a timer (a debugging session has no natural length).
 */
export async function waitContainer(
  engine: EngineClient,
  id: string,
  condition: 'next-exit' | 'removed',
  signal?: AbortSignal,
): Promise<{ exit: Promise<number> }> {
  const what = 'waiting for the container';
  const res = await engine.request(
    {
      path: `/containers/${id}/wait?condition=${condition}`,
      method: 'POST',
      bodyTimeout: 0,
      ...(signal ? { signal } : {}),
    },
    what,
  );
  if (res.statusCode !== 200) return engine.fail(res, what, id);
  const exit = (async () => {
    const body = (await res.body.json()) as { StatusCode?: number; Error?: { Message?: string } | null };
    if (body.Error?.Message)
      throw new MinnowError('DAEMON_ERROR', `${what}: ${body.Error.Message}`, { subject: id });
    return body.StatusCode ?? 1;
  })();
  exit.catch(() => undefined);
  return { exit };
}

/** `POST /containers/{id}/attach` (hijacked): the container's stdio as one raw stream, multiplexed unless a TTY. */
export function attachContainer(
  engine: EngineClient,
  id: string,
  options: { stdin: boolean },
): Promise<Duplex> {
  const query = `stream=1&stdout=1&stderr=1${options.stdin ? '&stdin=1' : ''}`;
  return engine.upgrade(`/containers/${id}/attach?${query}`, 'attaching to the container');
}

/** `POST /containers/{id}/resize`: the TTY's size; a container already gone is no failure. */
export async function resizeContainer(
  engine: EngineClient,
  id: string,
  size: { rows: number; columns: number },
): Promise<void> {
  const res = await engine.request(
    { path: `/containers/${id}/resize?h=${size.rows}&w=${size.columns}`, method: 'POST' },
    'resizing the TTY',
  );
  await res.body.text().catch(() => undefined);
}

/** `DELETE /containers/{id}?force=1`; resolves false when it was already gone. */
export async function removeContainer(engine: EngineClient, id: string): Promise<boolean> {
  const res = await engine.request(
    { path: `/containers/${id}?force=1`, method: 'DELETE' },
    'removing the container',
  );
  await res.body.text().catch(() => undefined);
  if (res.statusCode === 404 || res.statusCode === 409) return false; // gone, or its removal already in progress
  if (res.statusCode < 200 || res.statusCode > 299)
    throw new MinnowError('DAEMON_ERROR', `removing container ${id}: Engine answered ${res.statusCode}`, {
      subject: id,
    });
  return true;
}

/**
 * `POST /images/create?fromImage=…` (docker pull): the Engine pulls with its own credentials and network. Its
 * progress stream is read to the end, and the first error in it is thrown.
 */
export async function pullImage(
  engine: EngineClient,
  reference: string,
  signal?: AbortSignal,
): Promise<void> {
  const what = `pulling ${reference}`;
  const res = await engine.request(
    {
      path: `/images/create?fromImage=${encodeURIComponent(reference)}`,
      method: 'POST',
      ...(signal ? { signal } : {}),
    },
    what,
  );
  if (res.statusCode !== 200) return engine.fail(res, what, reference);
  const text = await res.body.text();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let message: { error?: string; errorDetail?: { message?: string } };
    try {
      message = JSON.parse(line) as typeof message;
    } catch {
      continue;
    }
    const error = message.errorDetail?.message ?? message.error;
    if (error) throw new MinnowError('DAEMON_ERROR', `${what}: ${error}`, { subject: reference });
  }
}
