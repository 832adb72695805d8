import type { EngineClient } from '../../engine/client.js';
import type { ImageOrIndex } from '../../oci/index.js';
import { imageNameProblem, splitNameTag } from '../image-name.js';
import { oneImage, recordedName } from './one-image.js';
import type { ImageName, Sink, SinkOptions, SinkResult, SinkWriteOptions } from './sink.js';
import type { SpecContext } from './spec.js';

export interface DaemonSinkOptions {
  /** The name the image gets in the Engine. Default: the write's `name`. */
  name?: ImageName;
  /** The Engine. Default: one from DOCKER_HOST, opened for each call and closed after. */
  engine?: EngineClient;
}

/** Runs `fn` with the given Engine client, or one opened for it and closed after. */
async function withEngine<T>(
  given: EngineClient | undefined,
  fn: (e: EngineClient) => Promise<T>,
): Promise<T> {
  // Loaded on demand: undici is only needed when talking to the Engine, and the CLI starts faster without it.
  const engine = given ?? new (await import('../../engine/client.js')).EngineClient();
  try {
    return await fn(engine);
  } finally {
    if (!given) await engine.close();
  }
}

/**
 * A running Docker Engine (`POST /images/load`, streamed): takes one image, so wrap it in `hostPlatformOnly` to
 * give it an index. `check` makes sure the Engine answers before anything is built.
 */
export function daemonSink(options: DaemonSinkOptions = {}): Sink {
  const own = options.name;
  return {
    kind: 'daemon',
    description: own ? `daemon ${own.name}:${own.tag}` : 'daemon',
    takesIndex: false,
    check: () => withEngine(options.engine, (e) => e.ping().then(() => undefined)),
    async write(target: ImageOrIndex, write: SinkWriteOptions = {}): Promise<SinkResult> {
      const image = oneImage(target, 'the Engine');
      const name = recordedName(own ?? {}, write);
      const { writeDaemon } = await import('../daemon.js');
      const written = await withEngine(options.engine, (engine) =>
        writeDaemon(engine, image, { tags: [name], ...(write.signal ? { signal: write.signal } : {}) }),
      );
      return { kind: 'daemon', reference: name, digest: written.digest };
    },
  };
}

/** `daemon`, `daemon:NAME` (tag `latest`) or `daemon:NAME:TAG`; a registry port is not a tag. */
export function parseDaemonSpec(spec: string, ctx: SpecContext, options: SinkOptions): Sink {
  const engine = options.engine ? { engine: options.engine } : {};
  if (spec === 'daemon') return daemonSink(engine);
  const { name, tag = 'latest' } = splitNameTag(spec.slice('daemon:'.length));
  const problem = imageNameProblem(name, tag);
  if (problem) throw ctx.invalid(problem);
  return daemonSink({ name: { name, tag }, ...engine });
}
