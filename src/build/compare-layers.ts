import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { Layer } from '../oci/index.js';

/** The first difference between two layers' files, in tar order. */
export interface FileDifference {
  /** Path in the image (`/app/hello`), or undefined when one tar simply has more entries. */
  path: string;
  /** What differs: `content`, `mode`, `mtime`, `uid`, `type`, `only in first`, ... with both values. */
  detail: string;
}

interface Entry {
  header: tar.Header;
  sha256: string;
}

/** Reads a tar one entry at a time, hashing each entry's data as it streams (no entry is held in memory). */
function entries(stream: Readable): AsyncIterator<Entry> {
  const extract = tar.extract();
  stream.on('error', (err) => extract.destroy(err));
  stream.pipe(extract);
  const it = extract[Symbol.asyncIterator]();
  return {
    async next() {
      const r = await it.next();
      if (r.done) return { done: true, value: undefined };
      const hash = createHash('sha256');
      for await (const chunk of r.value) hash.update(chunk as Buffer);
      return { done: false, value: { header: r.value.header, sha256: hash.digest('hex') } };
    },
    async return() {
      extract.destroy();
      stream.destroy();
      return { done: true, value: undefined };
    },
  };
}

const pathOf = (h: tar.Header): string => `/${h.name.replace(/^\.?\/+/, '').replace(/\/$/, '')}`;

function headerDifference(a: Entry, b: Entry): string | undefined {
  const ha = a.header;
  const hb = b.header;
  if (ha.name !== hb.name) return `entry name ${ha.name} vs ${hb.name} (order or set of files differs)`;
  if (ha.type !== hb.type) return `type ${ha.type} vs ${hb.type}`;
  if (ha.size !== hb.size) return `size ${ha.size} vs ${hb.size} bytes`;
  if (a.sha256 !== b.sha256)
    return `content differs (sha256 ${a.sha256.slice(0, 12)}… vs ${b.sha256.slice(0, 12)}…)`;
  if (ha.mode !== hb.mode) return `mode ${ha.mode?.toString(8)} vs ${hb.mode?.toString(8)}`;
  const ta = ha.mtime?.getTime();
  const tb = hb.mtime?.getTime();
  if (ta !== tb) return `mtime ${ha.mtime?.toISOString()} vs ${hb.mtime?.toISOString()}`;
  if (ha.uid !== hb.uid || ha.gid !== hb.gid) return `owner ${ha.uid}:${ha.gid} vs ${hb.uid}:${hb.gid}`;
  if ((ha.uname ?? '') !== (hb.uname ?? '') || (ha.gname ?? '') !== (hb.gname ?? '')) {
    return `owner names ${ha.uname}:${ha.gname} vs ${hb.uname}:${hb.gname}`;
  }
  if ((ha.linkname ?? '') !== (hb.linkname ?? '')) return `link target ${ha.linkname} vs ${hb.linkname}`;
  const xa = JSON.stringify(ha.pax ?? {});
  const xb = JSON.stringify(hb.pax ?? {});
  if (xa !== xb) return `pax headers ${xa} vs ${xb}`;
  return undefined;
}

/**
 * Walks two layers' tars side by side and returns the first entry that differs (name, type, size, content, mode,
 * mtime, owner, link, pax records), or undefined when every entry matches. When the tars match but the blobs do
 * not, the difference is in the compression (gzip header or deflate output, e.g. another zlib version or level).
 */
export async function compareLayers(a: Layer, b: Layer): Promise<FileDifference | undefined> {
  if ((await a.diffId()) === (await b.diffId())) {
    if ((await a.digest()) === (await b.digest())) return undefined;
    return {
      path: '(compression)',
      detail: 'same tar, different compressed bytes: gzip header, level or zlib version differs',
    };
  }
  const ia = entries(await a.uncompressed());
  const ib = entries(await b.uncompressed());
  try {
    for (;;) {
      const [ea, eb] = await Promise.all([ia.next(), ib.next()]);
      if (ea.done && eb.done) break;
      if (ea.done) return { path: pathOf((eb.value as Entry).header), detail: 'only in the second build' };
      if (eb.done) return { path: pathOf(ea.value.header), detail: 'only in the first build' };
      const detail = headerDifference(ea.value, eb.value);
      if (detail) return { path: pathOf(ea.value.header), detail };
    }
  } finally {
    await ia.return?.();
    await ib.return?.();
  }
  return { path: '(tar framing)', detail: 'same entries, different tar bytes (padding or header encoding)' };
}
