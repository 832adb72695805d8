import { closeSync, openSync, readSync } from 'node:fs';
import { MinnowError } from '../errors.js';
import type { RandomAccess } from '../go/elf.js';
import type { BlobFile } from '../oci/blob-file.js';

/** Reads `region` in place with positioned reads (pread): a short read is a truncated file. */
export function regionSource(fd: number, region: BlobFile): RandomAccess {
  return {
    size: region.size,
    read: async (offset, length) => {
      const n = Math.max(0, Math.min(length, region.size - offset));
      const buf = Buffer.allocUnsafe(n);
      for (let got = 0; got < n;) {
        const r = readSync(fd, buf, got, n - got, region.start + offset + got);
        if (r === 0) throw new MinnowError('INVALID_IMAGE', `${region.path} ends inside a blob`);
        got += r;
      }
      return buf;
    },
  };
}

/** Runs `use` with the region's file open for reading; closed however `use` ends. */
export async function withRegionFile<T>(region: BlobFile, use: (fd: number) => Promise<T>): Promise<T> {
  const fd = openSync(region.path, 'r');
  try {
    return await use(fd);
  } finally {
    closeSync(fd);
  }
}
