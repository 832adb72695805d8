import { open, type FileHandle } from 'node:fs/promises';
import { posix } from 'node:path';
import { MinnowError } from '../errors.js';
import { parsePaxRecords, tarNumber } from '../oci/index.js';

/** Where one member's bytes sit in an uncompressed tar file. */
export interface TarMember {
  name: string;
  offset: number;
  size: number;
  type: 'file' | 'symlink' | 'link' | 'directory' | 'other';
  linkname?: string;
}

function cstring(buf: Buffer, start: number, len: number): string {
  const field = buf.subarray(start, start + len);
  const end = field.indexOf(0);
  return field.toString('utf8', 0, end < 0 ? field.length : end);
}

/** Normalizes a member name (`./manifest.json` → `manifest.json`). */
export function memberName(name: string): string {
  return posix.normalize(name.replace(/^(\.\/)+/, '').replace(/^\/+/, '')).replace(/\/$/, '');
}

/**
 * Indexes the members of an uncompressed tar file by reading only its headers (the data is skipped with seeks),
 * so a multi-GB `docker save` archive is indexed in milliseconds and its blobs can then be read in any order.
 */
export async function indexTar(path: string): Promise<Map<string, TarMember>> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw new MinnowError('NOT_FOUND', `cannot open ${path}`, { subject: path, cause: err });
  }
  try {
    const { size } = await fh.stat();
    const members = new Map<string, TarMember>();
    const header = Buffer.alloc(512);
    let pos = 0;
    let longName: string | undefined;
    let longLink: string | undefined;
    let pax: Map<string, string> | undefined;
    const readAt = async (buf: Buffer, at: number): Promise<number> =>
      (await fh.read(buf, 0, buf.length, at)).bytesRead;
    const head = Buffer.alloc(2);
    await readAt(head, 0);
    if (head[0] === 0x1f && head[1] === 0x8b) {
      throw new MinnowError('INVALID_ARGUMENT', `${path} is gzip-compressed`, {
        subject: path,
        hint: 'gunzip it first: docker-archive inputs are plain tar files, as `docker save` writes them',
      });
    }
    for (;;) {
      if (pos + 512 > size) {
        throw new MinnowError('INVALID_IMAGE', `${path}: tar archive is truncated`, { subject: path });
      }
      await readAt(header, pos);
      if (header.every((b) => b === 0)) break;
      const magic = header.toString('latin1', 257, 262);
      if (magic !== 'ustar') {
        throw new MinnowError('INVALID_IMAGE', `${path} is not a tar archive (bad header at byte ${pos})`, {
          subject: path,
        });
      }
      const flag = String.fromCharCode(header[156] ?? 48);
      const isMeta = flag === 'L' || flag === 'K' || flag === 'x' || flag === 'g';
      const entrySize =
        !isMeta && pax?.has('size') ? Number(pax.get('size')) : tarNumber(header.subarray(124, 136));
      if (entrySize === undefined || !Number.isSafeInteger(entrySize) || entrySize < 0) {
        throw new MinnowError('INVALID_IMAGE', `${path}: tar header with an invalid size at byte ${pos}`, {
          subject: path,
        });
      }
      const dataAt = pos + 512;
      const next = dataAt + Math.ceil(entrySize / 512) * 512;
      if (dataAt + entrySize > size) {
        throw new MinnowError('INVALID_IMAGE', `${path}: tar archive is truncated`, { subject: path });
      }
      if (isMeta) {
        const data = Buffer.alloc(Math.min(entrySize, 1 << 20));
        await readAt(data, dataAt);
        if (flag === 'L') longName = cstring(data, 0, data.length);
        else if (flag === 'K') longLink = cstring(data, 0, data.length);
        else if (flag === 'x') pax = parsePaxRecords(data, `${path} (PAX header at byte ${pos})`);
        pos = next;
        continue;
      }
      const prefix = cstring(header, 345, 155);
      const rawName =
        pax?.get('path') ??
        longName ??
        (prefix ? `${prefix}/${cstring(header, 0, 100)}` : cstring(header, 0, 100));
      const linkname = pax?.get('linkpath') ?? longLink ?? cstring(header, 157, 100);
      const type: TarMember['type'] =
        flag === '0' || flag === '\0' || flag === '7'
          ? 'file'
          : flag === '2'
            ? 'symlink'
            : flag === '1'
              ? 'link'
              : flag === '5'
                ? 'directory'
                : 'other';
      const name = memberName(rawName);
      members.set(name, { name, offset: dataAt, size: entrySize, type, ...(linkname ? { linkname } : {}) });
      longName = longLink = undefined;
      pax = undefined;
      pos = next;
    }
    return members;
  } finally {
    await fh.close();
  }
}

/** Follows symlinks and hard links between members (Docker writes `<id>/layer.tar` as links to `blobs/`). */
export function resolveMember(members: Map<string, TarMember>, name: string): TarMember | undefined {
  let m = members.get(memberName(name));
  for (let hops = 0; m && m.type !== 'file' && hops < 8; hops++) {
    if (m.type === 'symlink' && m.linkname)
      m = members.get(memberName(posix.join(posix.dirname(m.name), m.linkname)));
    else if (m.type === 'link' && m.linkname) m = members.get(memberName(m.linkname));
    else return undefined;
  }
  return m?.type === 'file' ? m : undefined;
}
