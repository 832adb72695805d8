import { isMinnowError, MinnowError } from '../errors.js';
import {
  formatPlatform,
  platformMatches,
  type Image,
  type ImageOrIndex,
  type Platform,
} from '../oci/index.js';
import { builtinBase, isBuiltinBase, type BuiltinBaseInfo } from './builtin.js';
import { readLayout } from './layout.js';
import type { RegistryReadOptions } from './registry.js';

export interface ResolveBaseOptions {
  /** Platforms the build targets; built-in bases are synthesized for exactly these. Default: host. */
  platforms?: Platform[];
  /** Built-in bases: a CA bundle file, or false for none. Default: the host's bundle. */
  caCerts?: string | false;
  /** Built-in bases: Go's zoneinfo.zip to install with ZONEINFO set. */
  zoneinfoPath?: string;
  /** Built-in bases: cache directory. Default `minnowCacheDir()`. */
  cacheDir?: string;
  /** Called with what a built-in base holds (for summaries). */
  onBuiltin?: (info: BuiltinBaseInfo) => void;
  /** Registry bases: offline mode, insecure registries, download progress, credentials. */
  registry?: RegistryReadOptions;
  signal?: AbortSignal;
}

/**
 * One kind of base: `matches` says whether a spec is this kind (it may answer later, so a kind can load its
 * module only when needed), `resolve` reads it. Helpers add their kinds
 * (registry references, `docker-archive:`, `daemon:`) to BASE_SOURCES.
 */
export interface BaseSource {
  name: string;
  matches(spec: string): boolean | Promise<boolean>;
  resolve(spec: string, options: ResolveBaseOptions): Promise<ImageOrIndex>;
}

/** Splits `oci:DIR[:TAG]`: a last `:part` without a slash is the tag. */
export function splitOciSpec(rest: string): { dir: string; tag?: string } {
  const colon = rest.lastIndexOf(':');
  if (colon > 0 && !rest.slice(colon + 1).includes('/') && rest.slice(colon + 1) !== '') {
    return { dir: rest.slice(0, colon), tag: rest.slice(colon + 1) };
  }
  return { dir: rest };
}

/** The kinds of base minnow knows, tried in order. */
export const BASE_SOURCES: BaseSource[] = [
  {
    name: 'built-in',
    matches: isBuiltinBase,
    resolve: async (spec, options) => {
      if (!isBuiltinBase(spec)) throw new MinnowError('INTERNAL', `not a built-in base: ${spec}`);
      const { target, info } = await builtinBase(spec, {
        ...(options.platforms ? { platforms: options.platforms } : {}),
        ...(options.caCerts !== undefined ? { caCerts: options.caCerts } : {}),
        ...(options.zoneinfoPath ? { zoneinfoPath: options.zoneinfoPath } : {}),
        ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      options.onBuiltin?.(info);
      return target;
    },
  },
  {
    name: 'oci layout',
    matches: (spec) => spec.startsWith('oci:'),
    resolve: async (spec) => {
      const { dir, tag } = splitOciSpec(spec.slice('oci:'.length));
      if (!dir) throw new MinnowError('INVALID_ARGUMENT', `invalid base "${spec}": want oci:DIR[:TAG]`);
      return readLayout(dir, tag ? { tag } : {});
    },
  },
  {
    name: 'docker archive',
    matches: (spec) => spec.startsWith('docker-archive:'),
    resolve: async (spec) => {
      const rest = spec.slice('docker-archive:'.length);
      // FILE or FILE:NAME:TAG — the file is the part before the first colon that is followed by a name.
      const m = /^(.+?\.tar)(?::(.+))?$/.exec(rest);
      const file = m?.[1] ?? rest;
      const ref = m?.[2];
      const { readDockerArchive } = await import('./docker-archive.js');
      return readDockerArchive(file, ref ? { ref } : {});
    },
  },
  {
    name: 'docker daemon',
    matches: (spec) => spec.startsWith('daemon:'),
    resolve: async (spec, options) =>
      (await import('./daemon.js')).readDaemon(spec, options.signal ? { signal: options.signal } : {}),
  },
  {
    // Last: most strings parse as a reference, so every other kind must get its chance first.
    name: 'registry',
    // The registry client (undici, auth, cache) loads only for a registry base: a build on a built-in base does
    // not load it while Go compiles.
    matches: async (spec) => (await import('./registry.js')).isRegistrySpec(spec),
    resolve: async (spec, options) =>
      (await import('./registry.js')).resolveRegistryBase(spec, {
        ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...options.registry,
      }),
  },
];

/**
 * Resolves a base spec: `static` (default) or `scratch` (built-in, synthesized for `platforms`), `oci:DIR[:TAG]`
 * (an OCI image layout), or any kind another module registered in BASE_SOURCES.
 */
export async function resolveBase(spec: string, options: ResolveBaseOptions = {}): Promise<ImageOrIndex> {
  let source: BaseSource | undefined;
  for (const s of BASE_SOURCES) {
    if (await s.matches(spec)) {
      source = s;
      break;
    }
  }
  if (!source) {
    // A spec that is almost a registry reference (uppercase, a short digest, a bad port): say why it is not one.
    const { parseReference } = await import('../registry/reference.js');
    try {
      parseReference(spec);
    } catch (err) {
      if (isMinnowError(err, 'INVALID_ARGUMENT')) {
        throw new MinnowError(
          'INVALID_ARGUMENT',
          `invalid base "${spec}": ${err.message.replace(/^invalid image reference "[^"]*": /, '')}`,
          {
            subject: spec,
            hint: 'use static, scratch, oci:DIR[:TAG], docker-archive:FILE, daemon:NAME[:TAG] or a registry reference such as alpine:3.19',
          },
        );
      }
    }
    throw new MinnowError('INVALID_ARGUMENT', `unknown base "${spec}"`, {
      subject: spec,
      hint: 'use static, scratch, oci:DIR[:TAG] or a registry reference such as alpine:3.19',
    });
  }
  return source.resolve(spec, options);
}

/**
 * The image of `target` for `platform`: the index entry that matches (arm64 ≡ arm64/v8, arm ≡ arm/v7), or the
 * single image when its config names that platform. Throws PLATFORM_NOT_FOUND listing what is there.
 */
export async function selectPlatform(target: ImageOrIndex, platform: Platform): Promise<Image> {
  const wanted = formatPlatform(platform);
  if (target.kind === 'image') {
    const cfg = await target.image.configFile();
    const have: Platform = {
      os: cfg.os,
      architecture: cfg.architecture,
      ...(cfg.variant ? { variant: cfg.variant } : {}),
    };
    if (platformMatches(platform, have)) return target.image;
    throw new MinnowError('PLATFORM_NOT_FOUND', `the base is ${formatPlatform(have)}, not ${wanted}`, {
      subject: wanted,
    });
  }
  const im = await target.index.indexManifest();
  const have: string[] = [];
  for (const d of im.manifests) {
    if (!d.platform) continue;
    have.push(formatPlatform(d.platform));
    if (!platformMatches(platform, d.platform)) continue;
    if (d.mediaType.includes('index') || d.mediaType.includes('manifest.list')) {
      return selectPlatform({ kind: 'index', index: await target.index.imageIndex(d) }, platform);
    }
    return target.index.image(d);
  }
  throw new MinnowError('PLATFORM_NOT_FOUND', `the base has no ${wanted} image`, {
    subject: wanted,
    hint: have.length ? `it has: ${have.join(', ')}` : undefined,
  });
}
