import type { ArticleBaseline } from '../build/article-baseline.js';
import type { BuildResult } from '../build/types.js';
import { formatPlatform } from '../oci/platform.js';
import type { SinkResult } from '../publish/sinks/sink.js';
import { formatBytes } from '../util/size.js';
import { debugPortOf } from '../build/debug.js';
import { nextStep } from './next-step.js';

/** What `minnow build` reports, for people (`renderBuildSummary`) and machines (`--json`). */
export interface BuildSummary {
  /** Where the image went: `oci:DIR:TAG`, `docker:FILE`, `NAME:TAG` in the Engine. */
  output: string;
  /** The sink kind: `oci`, `docker`, `daemon`, `registry`. */
  outputKind: string;
  /** Digest of what was written (manifest, or index for several platforms). */
  digest: string;
  /** Uncompressed bytes of all layers (of the first platform's image). */
  size: number;
  /** Compressed bytes of all layers (what a pull transfers). */
  compressedSize: number;
  /** Number of layers. */
  layers: number;
  platforms: string[];
  base: string;
  user: string;
  entrypoint: string[];
  cmd?: string[];
  binaries: { name: string; size: number }[];
  goVersion?: string;
  caSource?: string;
  /** The same app built the article's way (binary without -s -w + CA bundle), when asked for. */
  article?: ArticleBaseline;
  /** True when `--verify-reproducible` built it twice from two copies and got the same digest. */
  reproducible?: true;
  note?: string;
  /** Where else it went (a repeated `--output`), by reference; pushes are listed apart. */
  alsoWritten?: string[];
}

/** Collects the summary of a build and where it was written. */
export async function summarizeBuild(
  result: BuildResult,
  output: SinkResult,
  article?: ArticleBaseline,
  checks: { reproducible?: boolean } = {},
): Promise<BuildSummary> {
  const first = result.images[0];
  if (!first) throw new Error('summarizeBuild: the build has no image');
  const config = (await first.image.configFile()).config ?? {};
  return {
    output: output.reference,
    outputKind: output.kind,
    digest: output.digest,
    size: first.layers.reduce((n, l) => n + l.uncompressedSize, 0),
    compressedSize: first.layers.reduce((n, l) => n + l.size, 0),
    layers: first.layers.length,
    platforms: result.images.map((i) => formatPlatform(i.platform)),
    base: result.base,
    user: config.User ?? '',
    entrypoint: config.Entrypoint ?? [],
    ...(config.Cmd ? { cmd: config.Cmd } : {}),
    binaries: first.binaries.map((b) => ({ name: b.name, size: b.size })),
    ...(result.goVersion ? { goVersion: result.goVersion } : {}),
    ...(result.caSource ? { caSource: result.caSource } : {}),
    ...(article ? { article } : {}),
    ...(checks.reproducible ? { reproducible: true as const } : {}),
    ...(output.note ? { note: output.note } : {}),
  };
}

export { formatBytes };

export interface RenderOptions {
  /** Wraps labels (picocolors' dim, say); identity by default. */
  dim?: (s: string) => string;
  bold?: (s: string) => string;
}

/** The short summary people see after a build. */
export function renderBuildSummary(s: BuildSummary, options: RenderOptions = {}): string {
  const dim = options.dim ?? ((x: string) => x);
  const bold = options.bold ?? ((x: string) => x);
  const rows: Array<[label: string, value: string]> = [
    ...(s.alsoWritten?.length ? [['also', s.alsoWritten.join(', ')] as [string, string]] : []),
    ['digest', s.digest],
    ['size', `${formatBytes(s.size)} uncompressed, ${formatBytes(s.compressedSize)} compressed`],
    ['layers', `${s.layers} (base ${s.base}${s.caSource ? `, CA bundle from ${s.caSource}` : ''})`],
    ['platforms', s.platforms.join(', ')],
    ['user', s.user],
    ['entrypoint', JSON.stringify(s.entrypoint) + (s.cmd ? ` ${JSON.stringify(s.cmd)}` : '')],
    [
      'binaries',
      s.binaries.map((b) => `${b.name} ${formatBytes(b.size)}`).join(', ') +
        (s.goVersion ? ` (${s.goVersion})` : ''),
    ],
  ];
  if (s.article) {
    const saved = s.article.total > 0 ? Math.round((1 - s.size / s.article.total) * 100) : 0;
    rows.push([
      'vs article',
      `${formatBytes(s.article.total)} the article's way (binary without -s -w + CA bundle): ${saved}% smaller`,
    ]);
  }
  if (s.reproducible) rows.push(['reproducible', 'verified (2 builds, same digest)']);
  if (s.note) rows.push(['note', s.note]);
  const debugPort = debugPortOf(s.entrypoint);
  if (debugPort !== undefined) {
    rows.push([
      'debug',
      `Delve listens on ${debugPort}: publish it (-p ${debugPort}:${debugPort}), then dlv connect 127.0.0.1:${debugPort}`,
    ]);
  }
  const next = nextStep(s.outputKind, s.output);
  if (next) rows.push(['next', next]);
  // Every label padded to the longest one present, so the values line up whatever rows a build has.
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = [
    `${bold('Built')} ${s.output}`,
    ...rows.map(([label, value]) => `  ${dim(`${label.padEnd(width)} `)}${value}`),
  ];
  return `${lines.join('\n')}\n`;
}
