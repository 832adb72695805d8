import { lstat, mkdtemp, open, readdir, readFile, rmdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { MinnowError } from '../errors.js';
import { OUTPUT_DIR } from './output-dir.js';

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

/** Splits `NAME[:TAG]` (a registry port is not a tag) and checks both. */
export function parseNameTag(value: string): { name: string; tag: string } {
  const colon = value.lastIndexOf(':');
  const hasTag = colon > 0 && !value.slice(colon + 1).includes('/');
  const name = hasTag ? value.slice(0, colon) : value;
  const tag = hasTag ? value.slice(colon + 1) : 'latest';
  if (!NAME_RE.test(name) || !TAG_RE.test(tag)) {
    throw new MinnowError('INVALID_ARGUMENT', `invalid image name "${value}": want NAME[:TAG], lowercase`, {
      subject: value,
    });
  }
  return { name, tag };
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
    dir: cwd === process.cwd() ? join(OUTPUT_DIR, name) : join(cwd, OUTPUT_DIR, name),
    tag: 'latest',
  };
}

/** True when a file starts with a tar header (a tarball minnow or docker wrote). */
export async function isTarFile(file: string): Promise<boolean> {
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

/** The nearest existing ancestor of `path`, probed for writing by making and removing a directory in it. */
async function probeWritable(path: string, value: string): Promise<void> {
  let dir = dirname(resolve(path));
  for (;;) {
    const info = await lstat(dir).catch(() => undefined);
    if (info) {
      if (!info.isDirectory()) {
        throw new MinnowError('OUTPUT_NOT_WRITABLE', `cannot write ${value}: ${dir} is not a directory`, {
          subject: path,
        });
      }
      break;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  try {
    await rmdir(await mkdtemp(join(dir, '.minnow-probe-')));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new MinnowError('OUTPUT_NOT_WRITABLE', `cannot write ${value}: ${dir} is not writable (${why})`, {
      subject: path,
      cause: err,
    });
  }
}

async function isLayoutDir(dir: string): Promise<boolean> {
  return readFile(join(dir, 'oci-layout'), 'utf8').then(
    (t) => typeof (JSON.parse(t) as { imageLayoutVersion?: unknown }).imageLayoutVersion === 'string',
    () => false,
  );
}

/**
 * Checks an output before anything is built, so a bad `--output` fails in a second, not after a compile:
 * a path that exists as something else is refused (OUTPUT_EXISTS) unless `force`, a place that cannot be
 * written is refused (OUTPUT_NOT_WRITABLE), and for `daemon` the Engine must answer.
 */
export async function checkOutput(spec: OutputSpec, options: { force?: boolean } = {}): Promise<void> {
  if (spec.kind === 'daemon') {
    const { EngineClient } = await import('../engine/client.js');
    const engine = new EngineClient();
    try {
      await engine.ping();
    } finally {
      await engine.close();
    }
    return;
  }
  const path = spec.kind === 'oci' ? spec.dir : spec.file;
  const value = spec.kind === 'oci' ? `oci:${spec.dir}` : `docker:${spec.file}`;
  const info = await lstat(path).catch(() => undefined);
  if (info && !options.force) {
    const sameKind =
      spec.kind === 'oci'
        ? info.isDirectory() && ((await readdir(path)).length === 0 || (await isLayoutDir(path)))
        : info.isFile() && (await isTarFile(path));
    if (!sameKind) {
      throw new MinnowError(
        'OUTPUT_EXISTS',
        `${path} exists and is not ${spec.kind === 'oci' ? 'an OCI layout' : 'a tarball'} (use --force to replace it)`,
        { subject: path },
      );
    }
  }
  if (info?.isDirectory() && spec.kind === 'docker') {
    throw new MinnowError('OUTPUT_EXISTS', `${path} is a directory, not a tarball`, { subject: path });
  }
  await probeWritable(path, value);
}
