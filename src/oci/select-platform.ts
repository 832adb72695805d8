import { MinnowError } from '../errors.js';
import type { Image, ImageIndex, ImageOrIndex } from './image.js';
import { isIndex } from './media-types.js';
import { formatPlatform, platformMatches, type Platform } from './platform.js';

export interface SelectPlatformOptions {
  /**
   * true: `platform` must be there: an index without it, or a single image whose config names another platform, is
   * PLATFORM_NOT_FOUND. false (a default, not a request): a single image is taken as it is, and an index without
   * the platform gives the entry of the same os/arch in another variant, else its only platform image.
   */
  strict: boolean;
  /** What to name in the error: a spec or a reference. Default `the image`. */
  subject?: string;
}

/** One platform image an index offers (nested indexes flattened; attestation entries left out). */
interface Candidate {
  platform: Platform;
  open(): Promise<Image>;
}

/** Most levels of indexes inside indexes: real images use one or two; a deeper chain is hostile or broken. */
export const MAX_INDEX_DEPTH = 8;

async function candidates(index: ImageIndex, depth = 1): Promise<Candidate[]> {
  const out: Candidate[] = [];
  for (const d of (await index.indexManifest()).manifests) {
    if (isIndex(d.mediaType)) {
      if (depth >= MAX_INDEX_DEPTH) {
        throw new MinnowError(
          'LIMIT_EXCEEDED',
          `index ${d.digest} is nested more than ${MAX_INDEX_DEPTH} indexes deep`,
          { subject: d.digest },
        );
      }
      out.push(...(await candidates(await index.imageIndex(d), depth + 1)));
    } else if (d.platform && d.platform.os !== 'unknown') {
      const platform = d.platform;
      out.push({ platform, open: () => index.image(d) });
    }
  }
  return out;
}

function platformOfConfig(cfg: { os: string; architecture: string; variant?: string }): Platform {
  return { os: cfg.os, architecture: cfg.architecture, ...(cfg.variant ? { variant: cfg.variant } : {}) };
}

function notFound(subject: string, wanted: Platform, have: Platform[]): MinnowError {
  const present = have.map(formatPlatform);
  return new MinnowError(
    'PLATFORM_NOT_FOUND',
    `${subject} has no ${formatPlatform(wanted)} image; it has ${present.join(', ') || 'no platform images'}`,
    { subject, details: { platforms: present } },
  );
}

/**
 * The image of `target` for `platform`: the index entry that matches (arm64 ≡ arm64/v8, arm ≡ arm/v7; nested
 * indexes searched), or the single image. Every command picks platforms here, so `analyze`, `sbom` and
 * `build --base` give the same answer for the same image; a miss is PLATFORM_NOT_FOUND listing what is there.
 */
export async function selectPlatform(
  target: ImageOrIndex,
  platform: Platform,
  options: SelectPlatformOptions,
): Promise<Image> {
  const subject = options.subject ?? 'the image';
  if (target.kind === 'image') {
    if (!options.strict) return target.image;
    const have = platformOfConfig(await target.image.configFile());
    if (platformMatches(platform, have)) return target.image;
    throw notFound(subject, platform, [have]);
  }
  const all = await candidates(target.index);
  const chosen =
    all.find((c) => platformMatches(platform, c.platform)) ??
    (options.strict
      ? undefined
      : (all.find(
          (c) => c.platform.os === platform.os && c.platform.architecture === platform.architecture,
        ) ?? (all.length === 1 ? all[0] : undefined)));
  if (!chosen)
    throw notFound(
      subject,
      platform,
      all.map((c) => c.platform),
    );
  return chosen.open();
}
