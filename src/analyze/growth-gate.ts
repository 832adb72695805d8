import { MinnowError } from '../errors.js';
import { formatBytes, parseSize } from '../util/size.js';
import type { ImageDiff } from './diff.js';

/** A growth limit: a share of the first image (`5%`) or bytes (`200KB`). */
export type GrowthLimit = { ratio: number } | { bytes: number };

/** `--max-growth` checked on a diff: what every format prints, so a reader sees which gate failed and why. */
export interface GrowthVerdict {
  /** `max-growth`: the flag that sets the gate. */
  gate: 'max-growth';
  /** The limit as given (`5%`, `200KB`). */
  limit: string;
  /** Bytes of compressed growth the limit allows. */
  allowedBytes: number;
  /** Bytes the compressed size grew by (negative when it shrank). */
  grewBytes: number;
  passed: boolean;
  /** One line: the growth against the limit. */
  message: string;
}

/** Parses `--max-growth`: `5%`, `0.5%`, `200KB`, `1MiB`, bytes. */
export function parseGrowth(text: string): GrowthLimit {
  const pct = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text);
  if (pct) return { ratio: Number(pct[1]) / 100 };
  try {
    return { bytes: parseSize(text) };
  } catch (err) {
    throw new MinnowError(
      'INVALID_ARGUMENT',
      `--max-growth must be a percentage (5%) or a size (200KB), got "${text}"`,
      { subject: text, cause: err },
    );
  }
}

/** Checks the compressed growth from the first image to the second against `limit` (given as `text`). */
export function checkGrowth(d: ImageDiff, limit: GrowthLimit, text: string): GrowthVerdict {
  const { a, change: grew } = d.size.compressed;
  const allowed = Math.floor('ratio' in limit ? a * limit.ratio : limit.bytes);
  const share = a > 0 ? `${((grew / a) * 100).toFixed(2)}%` : 'from nothing';
  const what = 'ratio' in limit ? `${text.trim()} (${allowedBytes(allowed)})` : allowedBytes(allowed);
  const passed = grew <= allowed;
  const message = passed
    ? `compressed size grew by ${grew} bytes (${share}), within --max-growth ${what}`
    : `compressed size grew by ${grew} bytes (${share}), more than --max-growth ${what}`;
  return { gate: 'max-growth', limit: text.trim(), allowedBytes: allowed, grewBytes: grew, passed, message };
}

const allowedBytes = (n: number): string => `${n} bytes${n >= 1000 ? `, ${formatBytes(n)}` : ''}`;
