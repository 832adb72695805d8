import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { EngineClient, engineAddress, type EngineAddress } from '../engine/client.js';
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

/**
 * Builds a Dockerfile with the Docker Engine's build API (`EngineClient.build`), streaming the context with
 * .dockerignore applied. Throws DAEMON_ERROR with the Engine's message when a step fails.
 */
export async function dockerBuild(options: DockerBuildOptions): Promise<DockerBuildResult> {
  const engine = new EngineClient(options.address ?? engineAddress());
  const started = Date.now();
  try {
    // The .dockerignore sent also names the Dockerfile, so the Engine drops it from the context after reading it
    // and `COPY . .` sees what it would see with `docker build`.
    const own = await readFile(join(options.contextDir, '.dockerignore'), 'utf8').catch(() => undefined);
    const ignore = `${own ?? options.defaultDockerignore ?? ''}\n${DOCKERFILE_NAME}\n`;
    const context = await buildContextTar(options.contextDir, {
      extraFiles: { [DOCKERFILE_NAME]: options.dockerfile, '.dockerignore': ignore },
      defaultDockerignore: ignore,
    });
    const built = await engine.build(Readable.from(context as AsyncIterable<Buffer>), {
      tag: options.tag,
      dockerfile: DOCKERFILE_NAME,
      ...(options.buildArgs ? { buildArgs: options.buildArgs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const durationMs = Date.now() - started;
    const info = await engine.inspectImage(options.tag);
    return { tag: options.tag, id: info.Id || built.id, size: info.Size ?? 0, durationMs, log: built.log };
  } finally {
    await engine.close();
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
