import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { decompress } from './compression.js';
import { DigestingStream, sha256 } from './digest.js';
import type { Image, ImageIndex } from './image.js';
import { parseImageConfig } from './config.js';
import { parseManifest } from './manifest.js';

const discard = (): Writable =>
  new Writable({
    write(_chunk, _enc, done) {
      done();
    },
  });

/**
 * Recomputes every digest, size and diff_id of an image from its raw bytes and returns every mismatch found
 * (an empty list means the image is consistent). Used by every reader and writer test.
 */
export async function validateImage(image: Image): Promise<string[]> {
  const problems: string[] = [];
  const raw = await image.rawManifest();
  const manifest = parseManifest(raw);
  if (sha256(raw) !== (await image.digest())) problems.push('manifest digest does not match its bytes');
  const rawConfig = await image.rawConfig();
  if (sha256(rawConfig) !== manifest.config.digest)
    problems.push('config digest does not match the manifest');
  if (rawConfig.length !== manifest.config.size) problems.push('config size does not match the manifest');
  const config = parseImageConfig(rawConfig);
  if (config.rootfs.diff_ids.length !== manifest.layers.length) {
    problems.push(`${manifest.layers.length} layers but ${config.rootfs.diff_ids.length} diff_ids`);
  }
  const layers = await image.layers();
  for (const [i, d] of manifest.layers.entries()) {
    const layer = layers[i];
    if (!layer) continue;
    const blob = new DigestingStream();
    const tar = new DigestingStream();
    try {
      const source = await layer.compressed();
      const counted = source.pipe(blob);
      source.on('error', (err) => blob.destroy(err));
      await pipeline(await decompress(counted), tar, discard());
    } catch (err) {
      problems.push(`layer[${i}] ${d.digest}: ${(err as Error).message}`);
      continue;
    }
    if (blob.digest !== d.digest)
      problems.push(`layer[${i}]: blob hashes to ${blob.digest}, manifest says ${d.digest}`);
    if (blob.size !== d.size)
      problems.push(`layer[${i}]: blob is ${blob.size} bytes, manifest says ${d.size}`);
    if (tar.digest !== config.rootfs.diff_ids[i]) {
      problems.push(`layer[${i}]: diff_id is ${tar.digest}, config says ${config.rootfs.diff_ids[i]}`);
    }
  }
  return problems;
}

/** Validates an index and every image it names. */
export async function validateIndex(index: ImageIndex): Promise<string[]> {
  const problems: string[] = [];
  const im = await index.indexManifest();
  if (sha256(await index.rawManifest()) !== (await index.digest()))
    problems.push('index digest does not match its bytes');
  for (const d of im.manifests) {
    try {
      const child = await index.image(d);
      if ((await child.digest()) !== d.digest) problems.push(`child ${d.digest}: digest differs`);
      for (const p of await validateImage(child)) problems.push(`child ${d.digest}: ${p}`);
    } catch (err) {
      problems.push(`child ${d.digest}: ${(err as Error).message}`);
    }
  }
  return problems;
}
