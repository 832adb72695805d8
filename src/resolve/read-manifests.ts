import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { MinnowError } from '../errors.js';
import { fetchManifest, isManifestUrl } from './fetch-manifest.js';

/** One input file's text, as read. */
export interface ManifestSource {
  /** The path as given or found, or `-` for stdin. */
  path: string;
  text: string;
}

export interface ReadManifestsOptions {
  /** Descend into subdirectories of a directory argument (`-R`). Default false. */
  recursive?: boolean;
  /** Where `-` reads from. Default process.stdin. */
  stdin?: NodeJS.ReadableStream;
  /** Stops a `-f URL` fetch. */
  signal?: AbortSignal;
}

/** Extensions read from a directory, as ko does. Files named explicitly are read whatever their name. */
export const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

async function walk(dir: string, recursive: boolean): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  const out: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (recursive) out.push(...(await walk(path, true)));
    } else if (e.isFile() && MANIFEST_EXTENSIONS.includes(extname(e.name).toLowerCase())) {
      out.push(path);
    }
  }
  return out;
}

/**
 * Reads the `-f` arguments: files as given, directories as their .yaml/.yml/.json files in name order (all the
 * way down with `recursive`), `-` as stdin, and an `http(s)://` URL as what it answers (see `fetchManifest`).
 * Throws NOT_FOUND for a path that does not exist.
 */
export async function readManifests(
  paths: readonly string[],
  options: ReadManifestsOptions = {},
): Promise<ManifestSource[]> {
  if (paths.length === 0) throw new MinnowError('INVALID_ARGUMENT', 'no manifests given: pass -f FILE|DIR|-');
  const out: ManifestSource[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push({ path: '-', text: await readAll(options.stdin ?? process.stdin) });
      continue;
    }
    if (isManifestUrl(p)) {
      out.push({ path: p, text: await fetchManifest(p, options.signal ? { signal: options.signal } : {}) });
      continue;
    }
    const info = await stat(p).catch((err: unknown) => {
      throw new MinnowError('NOT_FOUND', `${p} does not exist`, { subject: p, cause: err });
    });
    const files = info.isDirectory() ? await walk(p, options.recursive ?? false) : [p];
    for (const f of files) out.push({ path: f, text: await readFile(f, 'utf8') });
  }
  return out;
}
