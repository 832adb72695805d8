import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Client } from 'undici';
import { engineAddress, type EngineAddress } from '../engine/client.js';
import { MinnowError } from '../errors.js';
import { buildContextTar } from './build-context.js';
import { generateDockerfile, type DockerfileOptions } from './generate.js';

/** What `dockerBuild` is given. */
export interface DockerBuildOptions {
  /** The build context directory. */
  contextDir: string;
  /** The Dockerfile text (sent inside the context; the directory's own Dockerfile is left alone). */
  dockerfile: string;
  /** `name:tag` to give the image. */
  tag: string;
  /** .dockerignore text used when the context has none. */
  defaultDockerignore?: string;
  /** Build args. */
  buildArgs?: Record<string, string>;
  address?: EngineAddress;
  signal?: AbortSignal;
}

/** What the Engine built. */
export interface DockerBuildResult {
  tag: string;
  /** Image ID (`sha256:…`, the config digest). */
  id: string;
  /** Size as `docker image ls` shows it (uncompressed layers), in bytes. */
  size: number;
  /** Wall time of the build, in milliseconds. */
  durationMs: number;
  /** The build's output lines. */
  log: string[];
}

const DOCKERFILE_NAME = '.minnow.Dockerfile';

async function drain(
  body: AsyncIterable<Buffer | string>,
  log: string[],
): Promise<{ id?: string; error?: string }> {
  let id: string | undefined;
  let error: string | undefined;
  let rest = '';
  const handle = (line: string): void => {
    if (line.trim() === '') return;
    const msg = JSON.parse(line) as { stream?: string; error?: string; aux?: { ID?: string } };
    if (msg.stream) log.push(...msg.stream.split('\n').filter((l) => l !== ''));
    if (msg.aux?.ID) id = msg.aux.ID;
    if (msg.error) error = msg.error;
  };
  for await (const chunk of body) {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop() ?? '';
    lines.forEach(handle);
  }
  handle(rest);
  return { ...(id ? { id } : {}), ...(error ? { error } : {}) };
}

/**
 * Builds a Dockerfile with the Docker Engine's build API (`POST /build`, the classic builder: BuildKit needs a
 * client session this API does not offer), streaming the context with .dockerignore applied. Throws DAEMON_ERROR
 * with the Engine's message when a step fails.
 */
export async function dockerBuild(options: DockerBuildOptions): Promise<DockerBuildResult> {
  const address = options.address ?? engineAddress();
  const client = new Client(address.url, {
    ...(address.socketPath ? { socketPath: address.socketPath } : {}),
    headersTimeout: 30 * 60_000,
    bodyTimeout: 30 * 60_000,
  });
  const started = Date.now();
  const log: string[] = [];
  try {
    // The .dockerignore sent also names the Dockerfile, so the Engine drops it from the context after reading it
    // and `COPY . .` sees what it would see with `docker build`.
    const own = await readFile(join(options.contextDir, '.dockerignore'), 'utf8').catch(() => undefined);
    const ignore = `${own ?? options.defaultDockerignore ?? ''}\n${DOCKERFILE_NAME}\n`;
    const context = await buildContextTar(options.contextDir, {
      extraFiles: { [DOCKERFILE_NAME]: options.dockerfile, '.dockerignore': ignore },
      defaultDockerignore: ignore,
    });
    const query = new URLSearchParams({ t: options.tag, dockerfile: DOCKERFILE_NAME, rm: '1', forcerm: '1' });
    if (options.buildArgs) query.set('buildargs', JSON.stringify(options.buildArgs));
    const res = await client
      .request({
        path: `/build?${query.toString()}`,
        method: 'POST',
        headers: { 'content-type': 'application/x-tar' },
        body: Readable.from(context as AsyncIterable<Buffer>),
        ...(options.signal ? { signal: options.signal } : {}),
      })
      .catch((err: unknown) => {
        throw new MinnowError('DAEMON_ERROR', `cannot reach the Docker Engine at ${address.display}`, {
          subject: address.display,
          cause: err,
          hint: 'start it (scripts/start-docker.sh) or set DOCKER_HOST',
        });
      });
    if (res.statusCode !== 200) {
      const text = await res.body.text();
      let message = text.trim();
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? message;
      } catch {
        /* plain text */
      }
      throw new MinnowError('DAEMON_ERROR', `docker build ${options.tag}: ${message}`, {
        subject: options.tag,
      });
    }
    const outcome = await drain(res.body, log);
    if (outcome.error || !outcome.id) {
      throw new MinnowError(
        'DAEMON_ERROR',
        `docker build ${options.tag} failed: ${outcome.error ?? 'no image ID'}`,
        {
          subject: options.tag,
          details: { log: log.slice(-20) },
        },
      );
    }
    const durationMs = Date.now() - started;
    const inspect = await client.request({
      path: `/images/${encodeURIComponent(options.tag)}/json`,
      method: 'GET',
    });
    const info = (await inspect.body.json()) as { Size?: number; Id?: string };
    return { tag: options.tag, id: info.Id ?? outcome.id, size: info.Size ?? 0, durationMs, log };
  } finally {
    await client.close();
  }
}

/** What `buildGeneratedImage` is given: the generator's options plus where the image goes. */
export interface GeneratedImageOptions extends Omit<DockerfileOptions, 'buildkit'> {
  tag: string;
  address?: EngineAddress;
  signal?: AbortSignal;
}

/**
 * Generates the legacy-builder variant of minnow's Dockerfile for a module and builds it with the Engine, without
 * writing anything into the module: what `minnow compare --with-dockerfile` puts next to minnow's own builds.
 */
export async function buildGeneratedImage(
  options: GeneratedImageOptions,
): Promise<DockerBuildResult & { dockerfile: string; base: string }> {
  const { tag, address, signal, ...gen } = options;
  const generated = await generateDockerfile({ ...gen, buildkit: false });
  const result = await dockerBuild({
    contextDir: generated.contextDir,
    dockerfile: generated.dockerfile,
    tag,
    defaultDockerignore: generated.dockerignore,
    ...(address ? { address } : {}),
    ...(signal ? { signal } : {}),
  });
  return { ...result, dockerfile: generated.dockerfile, base: generated.plan.base.image };
}
