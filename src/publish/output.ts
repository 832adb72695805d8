import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { EngineClient } from '../engine/client.js';
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
import { writeDaemon } from './daemon.js';
import { gcLayout } from './layout-gc.js';
import { writeLayout } from './layout.js';
import { writeTarball } from './tarball.js';

/** Where an image goes: an OCI layout, a `docker load` tarball, or a running Docker Engine. */
export type OutputSpec =
  | { kind: 'oci'; dir: string; tag?: string }
  | { kind: 'docker'; file: string }
  | { kind: 'daemon'; name?: string; tag?: string };

const FORMS = 'oci:DIR[:TAG], docker:FILE.tar or daemon[:NAME[:TAG]]';
const NAME_RE =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

const invalid = (value: string, why: string): MinnowError =>
  new MinnowError('INVALID_ARGUMENT', `invalid --output "${value}": ${why}`, {
    subject: value,
    hint: `use ${FORMS}`,
  });

/** Checks an image name and tag as the Engine accepts them (`localhost:5000/team/app`, `v1.2`). */
export function checkReference(name: string, tag: string, value = `${name}:${tag}`): void {
  if (!NAME_RE.test(name))
    throw invalid(value, `"${name}" is not a valid image name (lowercase, a-z 0-9 . _ - /)`);
  if (!TAG_RE.test(tag)) throw invalid(value, `"${tag}" is not a valid tag`);
}

/** Parses `--output`: `oci:DIR[:TAG]`, `docker:FILE.tar`, `daemon`, `daemon:NAME` or `daemon:NAME:TAG`. */
export function parseOutput(value: string): OutputSpec {
  if (value === 'daemon') return { kind: 'daemon' };
  if (value.startsWith('daemon:')) {
    const rest = value.slice('daemon:'.length);
    const colon = rest.lastIndexOf(':');
    const hasTag = colon > 0 && !rest.slice(colon + 1).includes('/');
    const name = hasTag ? rest.slice(0, colon) : rest;
    const tag = hasTag ? rest.slice(colon + 1) : 'latest';
    checkReference(name, tag, value);
    return { kind: 'daemon', name, tag };
  }
  if (value.startsWith('docker:')) {
    const file = value.slice('docker:'.length);
    if (!file || file.endsWith('/')) throw invalid(value, 'name a file, e.g. docker:app.tar');
    return { kind: 'docker', file };
  }
  if (value.startsWith('oci:')) {
    const rest = value.slice('oci:'.length);
    const colon = rest.lastIndexOf(':');
    if (colon > 0 && !rest.slice(colon + 1).includes('/')) {
      const tag = rest.slice(colon + 1);
      if (!TAG_RE.test(tag)) throw invalid(value, `"${tag}" is not a valid tag`);
      return { kind: 'oci', dir: rest.slice(0, colon), tag };
    }
    if (!rest) throw invalid(value, 'name a directory, e.g. oci:out/app');
    return { kind: 'oci', dir: rest };
  }
  throw invalid(value, 'unknown kind');
}

/** The default output: an OCI layout `.minnow/<name>` under `cwd`, tagged `latest`. */
export function defaultOutput(name: string, cwd = process.cwd()): OutputSpec {
  return {
    kind: 'oci',
    dir: cwd === process.cwd() ? join('.minnow', name) : join(cwd, '.minnow', name),
    tag: 'latest',
  };
}

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

async function isTarFile(file: string): Promise<boolean> {
  const fh = await open(file, 'r').catch(() => undefined);
  if (!fh) return false;
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await fh.read(head, 0, 512, 0);
    return bytesRead === 512 && head.toString('latin1', 257, 262) === 'ustar';
  } finally {
    await fh.close();
  }
}

export interface WriteOutputOptions {
  /** Name for `daemon` and docker tarballs when the spec gives none (the app's binary name). */
  name: string;
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
    await gcLayout(spec.dir);
    return { kind: 'oci', reference: `oci:${spec.dir}:${tag}`, digest: written.digest };
  }
  const { image, platform, picked } = await hostImage(target);
  const note = picked
    ? `only the ${formatPlatform(platform)} image (this host's platform) was written`
    : undefined;
  const name = spec.kind === 'daemon' && spec.name ? spec.name : options.name;
  const tag = spec.kind === 'daemon' && spec.tag ? spec.tag : 'latest';
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
