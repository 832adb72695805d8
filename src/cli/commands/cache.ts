import type { Command } from 'commander';
import { parseSize } from '../../util/size.js';
import { MinnowError } from '../../errors.js';
import { formatBytes } from '../../report/build-summary.js';
import { minnowCacheDir } from '../../util/cache-layout.js';
import { pruneCache, type PruneOptions } from '../../util/cache-prune.js';
import { cacheUsage, type CacheUsage } from '../../util/cache-usage.js';

interface InfoFlags {
  json?: boolean;
}

interface PruneFlags {
  maxSize?: string;
  olderThan?: string;
  all?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

const DAYS: Record<string, number> = { d: 1, w: 7, h: 1 / 24 };

/** Parses an age such as `30d`, `2w` or `12h` into days. */
function parseAge(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([dwh])\s*$/i.exec(value);
  const unit = DAYS[(m?.[2] ?? 'x').toLowerCase()];
  if (!m || unit === undefined) {
    throw new MinnowError('INVALID_ARGUMENT', `invalid age "${value}": want a number with d, w or h (30d)`);
  }
  return Number(m[1]) * unit;
}

function usageText(usage: CacheUsage): string {
  const rows = usage.areas.map(
    (a) => `  ${a.name.padEnd(12)} ${formatBytes(a.bytes).padStart(10)}  ${a.entries} entries`,
  );
  return [
    `cache: ${usage.dir}`,
    ...rows,
    `  ${'total'.padEnd(12)} ${formatBytes(usage.totalBytes).padStart(10)}`,
  ]
    .join('\n')
    .concat('\n');
}

async function info(flags: InfoFlags): Promise<void> {
  const usage = await cacheUsage(minnowCacheDir());
  process.stdout.write(flags.json ? `${JSON.stringify(usage, null, 2)}\n` : usageText(usage));
}

async function prune(flags: PruneFlags): Promise<void> {
  const options: PruneOptions = {
    dir: minnowCacheDir(),
    ...(flags.maxSize !== undefined ? { maxBytes: parseSize(flags.maxSize) } : {}),
    ...(flags.olderThan !== undefined ? { olderThanDays: parseAge(flags.olderThan) } : {}),
    ...(flags.all ? { all: true } : {}),
    ...(flags.dryRun ? { dryRun: true } : {}),
  };
  if (options.maxBytes === undefined && options.olderThanDays === undefined && !options.all) {
    throw new MinnowError('INVALID_ARGUMENT', 'cache prune needs --max-size, --older-than or --all');
  }
  const result = await pruneCache(options);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const verb = result.dryRun ? 'would free' : 'freed';
  const lines = [
    `${verb} ${formatBytes(result.freedBytes)} (${result.removed.length} entries): ` +
      `${formatBytes(result.before.totalBytes)} -> ` +
      `${formatBytes(result.before.totalBytes - result.freedBytes)}`,
  ];
  for (const a of result.before.areas) {
    const gone = result.removed.filter((r) => r.area === a.name);
    if (gone.length === 0) continue;
    const bytes = gone.reduce((n, r) => n + r.bytes, 0);
    lines.push(`  ${a.name.padEnd(12)} ${formatBytes(bytes).padStart(10)}  ${gone.length} entries`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** `minnow cache info|prune`: shows and bounds what minnow keeps in its cache directory. */
export function register(program: Command): void {
  const cache = program
    .command('cache')
    .description("show and prune minnow's cache (registry blobs, base layers, build work dirs)");
  cache
    .command('info')
    .description('print the cache directory and the size of each area')
    .option('--json', 'print JSON')
    .action((flags: InfoFlags) => info(flags));
  cache
    .command('prune')
    .description('remove least recently used cache entries')
    .option(
      '--max-size <size>',
      'remove least recently used entries until the cache is at most this big (2GB)',
    )
    .option('--older-than <age>', 'remove entries not used for this long (30d, 2w, 12h)')
    .option('--all', 'remove everything not in use right now')
    .option('--dry-run', 'only report what would be removed')
    .option('--json', 'print JSON')
    .action((flags: PruneFlags) => prune(flags));
}
