import { goZoneinfoPath } from '../base/builtin.js';
import { MinnowError } from '../errors.js';
import type { RegistryReadOptions } from '../base/registry.js';
import { resolveBase } from '../base/resolve.js';
import {
  indexOf,
  mutate,
  selectPlatform,
  type Addendum,
  type Image,
  type ImageOrIndex,
  type LayerEntry,
  type Platform,
} from '../oci/index.js';
import { appLayer } from './app-layer.js';
import { DEFAULT_COMPRESSION, layerCompressionFor, type CompressionChoice } from './compression-choice.js';
import { compressBase } from './compress-base.js';
import { verifyBaseLayers } from './verify-base.js';
import { appImageConfig, type AppConfig } from './image-config.js';
import { layerSizes } from './layer-sizes.js';
import type { BuiltBinary, BuiltImage } from './types.js';
import { pruneBlobs } from './workdir.js';

/**
 * The image-assembly half of `build`: everything that needs the image model. `build` loads this module while Go
 * compiles, so the CLI does not pay for loading it before the compiler starts.
 */

export interface BuildBase {
  /** The base as the user named it (for messages). */
  spec: string;
  target: ImageOrIndex;
  digest: string;
  caSource?: string;
  /** Uncompressed sizes by layer digest, where known without reading the layer. */
  known: Map<string, number>;
}

/** Resolves the base for the build's platforms; built-ins get the CA bundle and (with tzdata) Go's zoneinfo. */
export async function resolveBuildBase(
  spec: string,
  options: {
    platforms: Platform[];
    cacheDir: string;
    caCerts?: string | false;
    goroot?: string;
    tzdata?: boolean;
    registry?: RegistryReadOptions;
    signal?: AbortSignal;
  },
): Promise<BuildBase> {
  let caSource: string | undefined;
  let builtinSize: number | undefined;
  const target = await resolveBase(spec, {
    platforms: options.platforms,
    cacheDir: options.cacheDir,
    ...(options.caCerts !== undefined ? { caCerts: options.caCerts } : {}),
    ...(options.tzdata && options.goroot ? { zoneinfoPath: goZoneinfoPath(options.goroot) } : {}),
    ...(options.registry ? { registry: options.registry } : {}),
    onBuiltin: (b) => {
      caSource = b.caSource;
      builtinSize = b.uncompressedSize;
    },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  // Every platform asked for must be in the base: say so now, not after compiling them all.
  for (const p of options.platforms) await selectPlatform(target, p, { strict: true, subject: spec });
  const known = new Map<string, number>();
  if (builtinSize !== undefined) {
    const first = target.kind === 'image' ? target.image : await selectAny(target);
    const layer = (await first.layers())[0];
    if (layer) known.set(await layer.digest(), builtinSize);
  }
  const digest = target.kind === 'image' ? await target.image.digest() : await target.index.digest();
  return { spec, target, digest, known, ...(caSource ? { caSource } : {}) };
}

async function selectAny(target: Extract<ImageOrIndex, { kind: 'index' }>) {
  const im = await target.index.indexManifest();
  return target.index.image(im.manifests[0]!);
}

/** Most layers an image may have: the Docker Engine's layer store refuses deeper chains ("max depth exceeded"). */
export const MAX_LAYERS = 125;

export interface PrepareBaseOptions {
  /** minnow's cache directory (compressed base layers, verdicts of verified ones). */
  cacheDir: string;
  /** How plain-tar base layers are compressed. Default gzip level 6. */
  compression?: CompressionChoice;
  signal?: AbortSignal;
}

/**
 * The base's image for `platform` as it ships: plain-tar layers gzip-compressed (as `docker push` sends them)
 * and every layer checked against its digest and diff_id (each once: verdicts are kept in the cache). `build`
 * starts this as soon as the base is resolved, so that a first build on a base does it while Go compiles.
 */
export async function prepareBase(
  base: BuildBase,
  platform: Platform,
  options: PrepareBaseOptions,
): Promise<Image> {
  const signal = options.signal ? { signal: options.signal } : {};
  const baseImage = await compressBase(
    await selectPlatform(base.target, platform, { strict: true, subject: base.spec }),
    {
      cacheDir: options.cacheDir,
      known: base.known,
      compression: layerCompressionFor(options.compression ?? DEFAULT_COMPRESSION, 'base', options.cacheDir),
      ...signal,
    },
  );
  // Layers that go out as they came (gzip, zstd) are checked here; compressBase checked the ones it rewrote.
  await verifyBaseLayers(baseImage, { cacheDir: options.cacheDir, ...signal });
  return baseImage;
}

export interface AssembleOptions {
  base: BuildBase;
  /** The base's image for `platform` from `prepareBase` (prepared here when not given). */
  baseImage?: Promise<Image>;
  platform: Platform;
  binaries: BuiltBinary[];
  /** Where the app layer blob goes. */
  blobDir: string;
  /** minnow's cache directory (for compressed chunks of earlier builds). */
  cacheDir: string;
  config: Omit<AppConfig, 'platform'>;
  annotations: Record<string, string>;
  /** Platform-independent layers (extra files, data) appended after the binaries. */
  extraLayers?: Addendum[];
  /** This platform's tool layers (`--debug`'s dlv), placed between the base and the binaries: they change less. */
  toolLayers?: Addendum[];
  /** How the binaries were built, for the app layer's history. Default the stripped static build. */
  buildComment?: string;
  /** How the app layer (and plain-tar base layers) are compressed. Default gzip level 6. */
  compression?: CompressionChoice;
  /** File capabilities of every binary (see BuildOptions.capabilities). Default none. */
  capabilities?: readonly string[];
  signal?: AbortSignal;
}

/**
 * One platform's image: the binaries in one layer at /app/<name> (0555, root-owned, gzip in parallel members)
 * on the base's image for that platform, with the app config and the manifest annotations.
 */
export async function assembleImage(options: AssembleOptions): Promise<BuiltImage> {
  const { platform, binaries, base } = options;
  const entries: LayerEntry[] = binaries.map((b) => ({
    type: 'file',
    path: b.imagePath,
    source: b.path,
    mode: 0o555,
    ...(options.capabilities?.length ? { capabilities: options.capabilities } : {}),
  }));
  const choice = options.compression ?? DEFAULT_COMPRESSION;
  const layer = await appLayer(entries, {
    blobDir: options.blobDir,
    compression: layerCompressionFor(choice, 'app', options.cacheDir),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  base.known.set(layer.digest, layer.uncompressedSize);
  if (!layer.reused) await pruneBlobs(options.blobDir, layer.digest.slice('sha256:'.length));
  const baseImage = await (options.baseImage ??
    prepareBase(base, platform, {
      cacheDir: options.cacheDir,
      compression: choice,
      ...(options.signal ? { signal: options.signal } : {}),
    }));
  const image = await mutate(baseImage, {
    layers: [
      ...(options.toolLayers ?? []),
      {
        layer: layer.layer,
        history: {
          created: options.config.created,
          created_by: `minnow build ${binaries.map((b) => b.importPath).join(' ')}`,
          comment: options.buildComment ?? 'CGO_ENABLED=0 go build -trimpath -ldflags="-s -w"',
        },
      },
      ...(options.extraLayers ?? []),
    ],
    config: (c) => appImageConfig(c, { ...options.config, platform }),
    annotations: options.annotations,
  });
  const count = (await image.layers()).length;
  if (count > MAX_LAYERS) {
    throw new MinnowError(
      'LIMIT_EXCEEDED',
      `the image would have ${count} layers; Docker and containerd run at most ${MAX_LAYERS}`,
      { hint: 'use a base with fewer layers (squash it), or fewer extra layers' },
    );
  }
  return { platform, image, binaries, layers: await layerSizes(await image.layers(), base.known) };
}

/** The build's target: the image itself for one platform, an OCI index over all of them otherwise. */
export async function assembleTarget(
  images: BuiltImage[],
  annotations: Record<string, string>,
): Promise<ImageOrIndex> {
  if (images.length === 1) return { kind: 'image', image: (images[0] as BuiltImage).image };
  return {
    kind: 'index',
    index: await indexOf(
      images.map((i) => ({ image: i.image, platform: i.platform })),
      annotations,
    ),
  };
}
