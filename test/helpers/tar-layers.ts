import { writeFile } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import {
  emptyImage,
  fileLayer,
  MediaType,
  mutate,
  sha256,
  tarCheck,
  TarWalker,
  tarWalkerSink,
  type ContainerConfig,
  type Image,
} from '../../src/oci/index.js';

/** One tar member: any header tar-stream takes (pax records included) and its data. */
export type Member = { header: Partial<tar.Header> & { name: string }; data?: Buffer | string };

/** A tar archive of `members`, in order, exactly as given (no normalization: for hostile and odd inputs). */
export async function tarOf(members: Member[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  for (const m of members) {
    const data = Buffer.from(m.data ?? '');
    await new Promise<void>((resolve, reject) =>
      pack.entry({ mtime: new Date(0), size: data.length, ...m.header }, data, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/**
 * A gzip layer file in `dir` whose diff_id is `tarBytes`' digest; `blob` replaces the gzip bytes (a truncated or
 * otherwise broken stream) while the manifest still claims the tar's diff_id.
 */
export async function gzipLayerFile(
  dir: string,
  tarBytes: Buffer,
  blob: Buffer = gzipSync(tarBytes),
): Promise<ReturnType<typeof fileLayer>> {
  const path = join(dir, `layer-${sha256(blob).slice(7, 23)}`);
  await writeFile(path, blob);
  return fileLayer(path, {
    digest: sha256(blob),
    diffId: sha256(tarBytes),
    size: blob.length,
    mediaType: MediaType.OciLayerGzip,
  });
}

/** An image of gzip layers made from raw tar members, with the given runtime config. */
export async function imageOfLayers(
  dir: string,
  layers: Member[][],
  config: ContainerConfig = {},
): Promise<Image> {
  const added = [];
  for (const members of layers) {
    added.push({ layer: await gzipLayerFile(dir, await tarOf(members)) });
  }
  return mutate(emptyImage({ os: 'linux', architecture: 'amd64' }), {
    layers: added,
    config: (c) => ({ ...c, config }),
  });
}

/** Runs `bytes` through tarCheck in chunks of `chunk` bytes (1: every header split across chunks). */
export async function checkTar(bytes: Buffer, chunk = 4096): Promise<void> {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) parts.push(bytes.subarray(i, i + chunk));
  await pipeline(
    Readable.from(parts),
    tarCheck('layer 0'),
    new Writable({ write: (_c, _e, done) => done() }),
  );
}

/** Runs `bytes` through a TarWalker (every entry's data read) in chunks of `chunk` bytes. */
export async function walkTar(bytes: Buffer, chunk = 4096): Promise<void> {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) parts.push(bytes.subarray(i, i + chunk));
  await pipeline(
    Readable.from(parts),
    tarWalkerSink(new TarWalker('layer 0', () => ({ data: () => undefined }))),
  );
}
