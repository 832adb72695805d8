import { MinnowError } from '../errors.js';
import {
  formatPlatform,
  hostPlatform,
  platformMatches,
  type Digest,
  type Image,
  type ImageOrIndex,
  type Platform,
} from '../oci/index.js';
import type { EngineClient } from '../engine/client.js';
import { writeDaemon } from './daemon.js';
import { gcLayout } from './layout-gc.js';
import { writeLayout } from './layout.js';
import { checkReference, isTarFile, type OutputSpec } from './output-spec.js';
import { writeTarball } from './tarball.js';

export * from './output-spec.js';

/** The host's image of a target, for sinks that take one platform (docker tarball, Engine). */
export async function hostImage(
  target: ImageOrIndex,
  host: Platform = hostPlatform(),
): Promise<{ image: Image; platform: Platform; picked: boolean }> {
  if (target.kind === 'image') {
    const c = await target.image.configFile();
    return {
      image: target.image,
      platform: { os: c.os, architecture: c.architecture, ...(c.variant ? { variant: c.variant } : {}) },
      picked: false,
    };
  }
  const im = await target.index.indexManifest();
  const d = im.manifests.find((m) => m.platform && platformMatches(host, m.platform));
  if (!d?.platform) {
    throw new MinnowError(
      'PLATFORM_NOT_FOUND',
      `a docker tarball or the Engine takes one image, and none was built for this host (${formatPlatform(host)})`,
      { hint: `add ${formatPlatform(host)} to --platform, or use --output oci:DIR for all platforms` },
    );
  }
  return { image: await target.index.image(d), platform: d.platform, picked: true };
}

export interface WriteOutputOptions {
  /** Name for `daemon` and docker tarballs when the spec gives none (the app's binary name). */
  name: string;
  /** Tag for them when the spec gives none. Default `latest`. */
  tag?: string;
  /** Replace a path that exists and is something else. Default false. */
  force?: boolean;
  /** Engine client for `daemon`; default one from DOCKER_HOST. */
  engine?: EngineClient;
  signal?: AbortSignal;
}

export interface OutputResult {
  kind: OutputSpec['kind'];
  /** How to refer to the result: `oci:DIR:TAG`, `docker:FILE`, `NAME:TAG` in the Engine. */
  reference: string;
  /** Digest of what was written (the index for OCI layouts of several platforms). */
  digest: Digest;
  /** For docker tarballs and the Engine when the target is an index: the platform taken. */
  platform?: Platform;
  /** Set when only the host's image of a multi-platform build was written. */
  note?: string;
}

/**
 * Writes a build's target to an output, atomically: an OCI layout (all platforms; unreferenced old blobs are
 * removed), a docker tarball or the Engine (the host's platform, said in `note` when others were left out).
 */
export async function writeOutput(
  target: ImageOrIndex,
  spec: OutputSpec,
  options: WriteOutputOptions,
): Promise<OutputResult> {
  const signal = options.signal ? { signal: options.signal } : {};
  if (spec.kind === 'oci') {
    const tag = spec.tag ?? 'latest';
    const written = await writeLayout(spec.dir, target, { tag, force: options.force ?? false, ...signal });
    // Nothing written, nothing to collect.
    if (!written.unchanged) await gcLayout(spec.dir);
    return { kind: 'oci', reference: `oci:${spec.dir}:${tag}`, digest: written.digest };
  }
  const { image, platform, picked } = await hostImage(target);
  const note = picked
    ? `only the ${formatPlatform(platform)} image (this host's platform) was written`
    : undefined;
  const name = spec.kind === 'daemon' && spec.name ? spec.name : options.name;
  const tag = spec.kind === 'daemon' && spec.tag ? spec.tag : (options.tag ?? 'latest');
  checkReference(name, tag);
  if (spec.kind === 'docker') {
    const force = options.force || (await isTarFile(spec.file));
    const written = await writeTarball(spec.file, image, { tags: [`${name}:${tag}`], force, ...signal });
    return {
      kind: 'docker',
      reference: `docker:${spec.file}`,
      digest: written.digest,
      platform,
      ...(note ? { note } : {}),
    };
  }
  // Loaded on demand: undici is only needed when talking to the Engine, and the CLI starts faster without it.
  const engine = options.engine ?? new (await import('../engine/client.js')).EngineClient();
  try {
    const written = await writeDaemon(engine, image, { tags: [`${name}:${tag}`], ...signal });
    return {
      kind: 'daemon',
      reference: `${name}:${tag}`,
      digest: written.digest,
      platform,
      ...(note ? { note } : {}),
    };
  } finally {
    if (!options.engine) await engine.close();
  }
}
