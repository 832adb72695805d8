import { MinnowError } from '../../errors.js';
import type { ImageOrIndex } from '../../oci/index.js';
import type { RegistryClient, RegistryClientOptions } from '../../registry/client.js';
import { formatReference, parseReference, referenceName, type Reference } from '../../registry/reference.js';
import type { Sink, SinkOptions, SinkResult, SinkWriteOptions } from './sink.js';
import type { SpecContext } from './spec.js';

export interface RegistrySinkOptions {
  /** Where to push: `registry/repository[:tag]` (a digest must match what is pushed). */
  reference: string | Reference;
  /** More tags in the same repository, pushed after the reference's own. */
  tags?: string[];
  /** The client to push with (its connections and tokens are shared). Default: one per write, closed after. */
  client?: RegistryClient;
  /** Options of the client made when none is given. */
  registry?: RegistryClientOptions;
  /** Refuse in `check`: only cached content may be used (`--offline`). Default false. */
  offline?: boolean;
  /** The option the reference came from (`--push`), for messages. */
  flag?: string;
}

/**
 * A registry repository: takes an index as it is. Pushes blobs, then child manifests, then the root under each
 * tag (see `pushImage`), so a tag never names an incomplete image.
 */
export function registrySink(options: RegistrySinkOptions): Sink {
  const ref = typeof options.reference === 'string' ? parseReference(options.reference) : options.reference;
  const description = formatReference(ref);
  return {
    kind: 'registry',
    description,
    takesIndex: true,
    async check() {
      if (options.offline) {
        throw new MinnowError(
          'INVALID_ARGUMENT',
          `${options.flag ?? 'a push'} cannot be used with --offline (to ${description})`,
          { subject: description },
        );
      }
    },
    async write(target: ImageOrIndex, write: SinkWriteOptions = {}): Promise<SinkResult> {
      // Loaded here, not at startup: few builds push.
      const [{ RegistryClient }, { pushImage }] = await Promise.all([
        import('../../registry/client.js'),
        import('../registry.js'),
      ]);
      const client = options.client ?? new RegistryClient(options.registry ?? {});
      try {
        const push = await pushImage(ref, target, {
          client,
          ...(options.tags?.length ? { tags: options.tags } : {}),
          ...(write.onProgress ? { onProgress: write.onProgress } : {}),
          ...(write.signal ? { signal: write.signal } : {}),
        });
        return { kind: 'registry', reference: push.ref, digest: push.digest, push };
      } finally {
        if (!options.client) await client.close();
      }
    },
  };
}

/**
 * One registry sink per repository for a list of references, each pushing its repository's tags together
 * (`--push a:v1 --push a:v2` is one push with two tags).
 */
export function registrySinks(
  references: readonly Reference[],
  options: Omit<RegistrySinkOptions, 'reference' | 'tags'> = {},
): Sink[] {
  const byRepo = new Map<string, Reference[]>();
  for (const r of references) byRepo.set(referenceName(r), [...(byRepo.get(referenceName(r)) ?? []), r]);
  return [...byRepo.values()].map((group) => {
    const [first, ...rest] = group as [Reference, ...Reference[]];
    const tags = rest.map((r) => r.tag).filter((t): t is string => !!t);
    return registrySink({ ...options, reference: first, tags });
  });
}

/**
 * A registry sink for `REPO/<app>` where the app is known only once built (`MINNOW_REPO` / `KO_DOCKER_REPO` for
 * `minnow build`, as ko names `KO_DOCKER_REPO/<app>`): the write's `name` (the binary's name) picks the
 * repository, lowercased with other characters as `-`; `tags` are pushed there (default `latest`).
 */
export function appRepositorySink(
  repo: string,
  options: Omit<RegistrySinkOptions, 'reference' | 'tags'> & { tags?: readonly string[] } = {},
): Sink {
  const prefix = repo.replace(/\/+$/, '');
  const [first = 'latest', ...rest] = options.tags?.length ? options.tags : ['latest'];
  const sinkFor = (app: string): Sink => {
    const component =
      app
        .toLowerCase()
        .replace(/[^a-z0-9._-]+/g, '-')
        .replace(/^[._-]+|[._-]+$/g, '') || 'app';
    return registrySink({ ...options, reference: `${prefix}/${component}:${first}`, tags: rest });
  };
  const probe = sinkFor('app'); // refuses a malformed REPO before anything is built
  return {
    kind: 'registry',
    description: `${prefix}/<app>`,
    takesIndex: true,
    check: (plan) => probe.check(plan),
    write: (target, write = {}) => sinkFor(write.name?.name ?? 'app').write(target, write),
  };
}

/** Whether a spec names its registry host (`localhost:5000/app`, `ghcr.io/org/app:v1`), as `--output` needs. */
export function namesRegistryHost(spec: string): boolean {
  const slash = spec.indexOf('/');
  if (slash <= 0) return false;
  const first = spec.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost';
}

/** A registry reference (Docker's rules: see `parseReference`). */
export function parseRegistrySpec(spec: string, _ctx: SpecContext, options: SinkOptions): Sink {
  return registrySink({
    reference: spec,
    ...(options.tags?.length ? { tags: options.tags } : {}),
    ...(options.registryClient ? { client: options.registryClient } : {}),
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.offline ? { offline: true } : {}),
    ...(options.flag ? { flag: options.flag } : {}),
  });
}
