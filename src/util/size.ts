import { MinnowError } from '../errors.js';

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1e3,
  k: 1e3,
  mb: 1e6,
  m: 1e6,
  gb: 1e9,
  g: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** Parses a size such as `10MB` (decimal, as docker prints), `8MiB`, `512k` or `123456` (bytes). */
export function parseSize(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = UNITS[(m?.[2] ?? 'x').toLowerCase()];
  if (!m || unit === undefined) {
    throw new MinnowError(
      'INVALID_ARGUMENT',
      `invalid size "${value}": want a number with B, kB, MB, GB, KiB, MiB or GiB`,
    );
  }
  return Math.round(Number(m[1]) * unit);
}

/** Bytes as people read them (`4.61 MB`), in the decimal units `docker image ls` uses, everywhere minnow prints. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB'];
  let v = n / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}
