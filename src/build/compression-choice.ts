import { join } from 'node:path';
import { MinnowError } from '../errors.js';
// The compressors' own files, not oci/index.js: the CLI parses --compression before Go starts, and the whole
// image model (tar, zod) should load while Go compiles.
import { gzipCompression, parallelGzipCompression } from '../oci/gzip-compression.js';
import type { LayerCompression } from '../oci/layer-compression.js';
import { ZSTD_DEFAULT_LEVEL, zstdCompression } from '../oci/zstd-compression.js';
import { contentChunker } from '../util/content-chunks.js';
import { fileGzipChunkCache } from '../util/gzip-chunk-cache.js';

/** The layer compressions a build can choose: `--compression` and `compression:` in minnow.yaml. */
export type CompressionAlgorithm = 'gzip' | 'zstd';

/** A chosen compression: the algorithm and, optionally, its level (default per algorithm). */
export interface CompressionChoice {
  algorithm: CompressionAlgorithm;
  level?: number;
}

/**
 * Where an app layer's gzip members start and end: at content-defined cuts (content-chunks.ts), so that after an
 * edit, which moves the binary's bytes, the chunks it did not change are found again and come from the chunk
 * cache: 35–42 % of a Go binary after a one-line edit, where fixed 128 KiB chunks kept 3–4 %.
 */
export const APP_LAYER_CHUNKS = contentChunker();

/**
 * The layers a build writes: the app binaries, the files and data layers, plain-tar base layers. gzip writes each
 * its own way (and keeps the bytes minnow wrote before compression was a choice); zstd writes them all alike.
 */
export type LayerRole = 'app' | 'content' | 'base';

interface Algorithm {
  levels: readonly [number, number];
  /** The level `--help` names (the app layer's, where the bytes are). */
  defaultLevel: number;
  /** The compression of one kind of layer, at the chosen level or the kind's default. */
  layers(role: LayerRole, level: number | undefined, cacheDir: string): LayerCompression;
  /** What `--help` and the docs say about it. */
  note: string;
}

/** One line per algorithm: everything that differs between them is here. */
const ALGORITHMS: Record<CompressionAlgorithm, Algorithm> = {
  gzip: {
    levels: [1, 9],
    // Within 0.3% of level 9 for Go binaries, three times faster.
    defaultLevel: 6,
    layers: (role, level, cacheDir) => {
      switch (role) {
        case 'app':
          return parallelGzipCompression({
            level: level ?? 6,
            chunker: APP_LAYER_CHUNKS,
            cache: fileGzipChunkCache(join(cacheDir, 'gzip-chunks')),
          });
        // Small layers written once: one stream at 9.
        case 'content':
          return gzipCompression(level ?? 9);
        // zlib's default, what `docker push` uses; 1 MiB members.
        case 'base':
          return parallelGzipCompression({ level: level ?? 6 });
      }
    },
    note: 'read by every runtime and registry',
  },
  zstd: {
    levels: [1, 19],
    defaultLevel: ZSTD_DEFAULT_LEVEL,
    layers: (_role, level) => zstdCompression(level ?? ZSTD_DEFAULT_LEVEL),
    note: 'containerd ≥ 1.5, CRI-O, Podman, Docker ≥ 23; not the Docker Engine 20.10',
  },
};

/** The default: gzip, until the runtimes users run all read zstd. */
export const DEFAULT_COMPRESSION: CompressionChoice = { algorithm: 'gzip' };

/** `gzip`, `gzip:9`, `zstd`, `zstd:19`: one clear error for anything else. */
export function parseCompression(text: string, what = '--compression'): CompressionChoice {
  const m = /^(\w+)(?::(\d+))?$/.exec(text.trim());
  const algorithm = m?.[1];
  if (!m || !algorithm || !(algorithm in ALGORITHMS)) {
    throw new MinnowError(
      'INVALID_ARGUMENT',
      `${what} must be ${Object.keys(ALGORITHMS).join(' or ')}, optionally with :LEVEL, got "${text}"`,
      { subject: text },
    );
  }
  const choice: CompressionChoice = { algorithm: algorithm as CompressionAlgorithm };
  if (m[2] !== undefined) choice.level = Number(m[2]);
  checkCompression(choice, what);
  return choice;
}

/** Refuses a level outside the algorithm's range. */
export function checkCompression(choice: CompressionChoice, what = 'compression'): void {
  const [min, max] = ALGORITHMS[choice.algorithm].levels;
  const level = choice.level;
  if (level !== undefined && (!Number.isInteger(level) || level < min || level > max)) {
    throw new MinnowError(
      'INVALID_ARGUMENT',
      `${what}: ${choice.algorithm} levels are ${min} to ${max}, got ${level}`,
      { subject: String(level) },
    );
  }
}

/** The compression of one kind of layer for a choice (`cacheDir` holds gzip's chunk cache). */
export function layerCompressionFor(
  choice: CompressionChoice,
  role: LayerRole,
  cacheDir: string,
): LayerCompression {
  checkCompression(choice);
  return ALGORITHMS[choice.algorithm].layers(role, choice.level, cacheDir);
}

/**
 * The compression for an image that goes to the Docker Engine (`-o daemon`, `-o docker:FILE` for `docker load`):
 * the Engine 20.10 cannot read zstd layers, so such an image keeps gzip, and `note` says so.
 */
export function compressionForEngine(choice: CompressionChoice): {
  choice: CompressionChoice;
  note?: string;
} {
  if (choice.algorithm === 'gzip') return { choice };
  return {
    choice: DEFAULT_COMPRESSION,
    note: `${choice.algorithm} layers are not read by the Docker Engine 20.10: this image keeps gzip`,
  };
}

/** The algorithms with their level ranges and who reads them, for help texts. */
export function compressionHelp(): string {
  return Object.entries(ALGORITHMS)
    .map(
      ([name, a]) => `${name}[:${a.levels[0]}-${a.levels[1]}] (default level ${a.defaultLevel}; ${a.note})`,
    )
    .join(', ');
}
