import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MinnowError } from '../errors.js';
import {
  emptyImage,
  formatPlatform,
  indexOf,
  mutate,
  sourceDateEpoch,
  type ContainerConfig,
  type Image,
  type ImageOrIndex,
  type Platform,
} from '../oci/index.js';
import { minnowCacheDir } from '../util/cache-layout.js';
import { IMAGE_CA_PATH, loadCaBundle } from './ca-certs.js';
import { IMAGE_ZONEINFO_PATH, NONROOT_UID, scratchEntries, staticEntries } from './builtin-files.js';
import { cachedLayer } from './layer-cache.js';

import type { BuiltinBaseName } from './builtin-names.js';

export { BUILTIN_BASES, isBuiltinBase, type BuiltinBaseName } from './builtin-names.js';

export interface BuiltinBaseOptions {
  /** Platforms to describe (the files are the same for all). Default: one, linux/amd64. */
  platforms?: Platform[];
  /** A CA bundle file, or false for none. Default: the host's bundle, else Node's roots. */
  caCerts?: string | false;
  /** Go's zoneinfo.zip to install (with ZONEINFO set); none when undefined. */
  zoneinfoPath?: string;
  /** Default `minnowCacheDir()`. */
  cacheDir?: string;
  /** Entry mtime, seconds. Default SOURCE_DATE_EPOCH, else 0. */
  mtime?: number;
  signal?: AbortSignal;
}

/** Describes what a built-in base holds, for summaries. */
export interface BuiltinBaseInfo {
  caSource?: string;
  uncompressedSize: number;
  cacheHit: boolean;
}

const STATIC_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * A built-in base as an image (one platform) or an index (several): one cached layer with the files of
 * `static` or `scratch`, and the matching config (distroless nonroot's for static: User 65532, WorkingDir
 * /home/nonroot, PATH and SSL_CERT_FILE). `scratch` without CA bundle or zoneinfo has no layer at all.
 */
export async function builtinBase(
  name: BuiltinBaseName,
  options: BuiltinBaseOptions = {},
): Promise<{ target: ImageOrIndex; info: BuiltinBaseInfo }> {
  const platforms = options.platforms?.length ? options.platforms : [{ os: 'linux', architecture: 'amd64' }];
  const ca = options.caCerts === false ? undefined : await loadCaBundle(options.caCerts);
  const zoneinfo = options.zoneinfoPath
    ? await readFile(options.zoneinfoPath).catch((err: unknown) => {
        throw new MinnowError('NOT_FOUND', `cannot read Go's time zone database ${options.zoneinfoPath}`, {
          subject: options.zoneinfoPath,
          cause: err,
        });
      })
    : undefined;
  const content = { ...(ca ? { caBundle: ca.data } : {}), ...(zoneinfo ? { zoneinfo } : {}) };
  const entries = name === 'static' ? staticEntries(content) : scratchEntries(content);
  const mtime = options.mtime ?? sourceDateEpoch();
  const layer =
    entries.length > 0
      ? await cachedLayer(entries, {
          cacheDir: options.cacheDir ?? minnowCacheDir(),
          mtime,
          signal: options.signal,
        })
      : undefined;
  const env: string[] = [];
  if (name === 'static') env.push(`PATH=${STATIC_PATH}`);
  if (ca) env.push(`SSL_CERT_FILE=${IMAGE_CA_PATH}`);
  if (zoneinfo) env.push(`ZONEINFO=${IMAGE_ZONEINFO_PATH}`);
  const runtime: ContainerConfig = {
    ...(env.length ? { Env: env } : {}),
    ...(name === 'static' ? { User: String(NONROOT_UID), WorkingDir: '/home/nonroot' } : {}),
  };
  const created = new Date(mtime * 1000).toISOString().replace('.000Z', 'Z');
  const images: { image: Image; platform: Platform }[] = [];
  for (const platform of platforms) {
    const image = await mutate(emptyImage(platform), {
      layers: layer
        ? [{ layer: layer.layer, history: { created, created_by: `minnow built-in base ${name}` } }]
        : [],
      config: (c) => ({ ...c, created, config: runtime }),
    });
    images.push({ image, platform });
  }
  const info: BuiltinBaseInfo = {
    ...(ca ? { caSource: ca.source } : {}),
    uncompressedSize: layer?.uncompressedSize ?? 0,
    cacheHit: layer?.hit ?? true,
  };
  if (images.length === 1) return { target: { kind: 'image', image: images[0]!.image }, info };
  const seen = new Set<string>();
  for (const p of platforms) {
    const key = formatPlatform(p);
    if (seen.has(key))
      throw new MinnowError('INVALID_ARGUMENT', `platform ${key} given twice`, { subject: key });
    seen.add(key);
  }
  return { target: { kind: 'index', index: await indexOf(images) }, info };
}

/** Go's own time zone database, shipped with every Go installation. */
export function goZoneinfoPath(goroot: string): string {
  return join(goroot, 'lib', 'time', 'zoneinfo.zip');
}
