import tar from 'tar-stream';
import type { Image } from '../../src/oci/index.js';

/** One entry of an image's layers, as a test wants to see it. */
export interface FileEntry {
  path: string;
  type: string;
  mode: string;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  uname?: string;
}

/** Every entry of every layer of an image, base first, read through the verified uncompressed stream. */
export async function imageEntries(image: Image): Promise<FileEntry[]> {
  const out: FileEntry[] = [];
  for (const layer of await image.layers()) {
    const extract = tar.extract();
    const stream = await layer.uncompressed();
    stream.pipe(extract);
    for await (const entry of extract) {
      const h = entry.header;
      out.push({
        path: `/${h.name.replace(/\/$/, '')}`,
        type: h.type ?? 'file',
        mode: (h.mode ?? 0).toString(8).padStart(4, '0'),
        uid: h.uid ?? 0,
        gid: h.gid ?? 0,
        size: h.size ?? 0,
        mtime: h.mtime ? h.mtime.getTime() / 1000 : 0,
        ...(h.uname ? { uname: h.uname } : {}),
      });
      entry.resume();
    }
  }
  return out;
}
