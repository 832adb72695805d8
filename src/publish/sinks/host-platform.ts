import { isMinnowError, MinnowError } from '../../errors.js';
import type { Image, ImageOrIndex } from '../../oci/image.js';
import { formatPlatform, hostPlatform, platformMatches, type Platform } from '../../oci/platform.js';
import { selectPlatform } from '../../oci/select-platform.js';
import type { Sink, SinkPlan, SinkResult, SinkWriteOptions } from './sink.js';

/** The host's image of a target, for sinks that take one platform (docker tarball, Engine). */
export async function hostImage(
  target: ImageOrIndex,
  host: Platform = hostPlatform(),
): Promise<{ image: Image; platform: Platform; picked: boolean }> {
  // A single image is what was built, whatever its platform; from an index the host's must be there.
  const picked = target.kind === 'index';
  const image = await selectPlatform(target, host, { strict: picked }).catch((err: unknown) => {
    if (!isMinnowError(err, 'PLATFORM_NOT_FOUND')) throw err;
    throw new MinnowError(
      'PLATFORM_NOT_FOUND',
      `a docker tarball or the Engine takes one image, and none was built for this host (${formatPlatform(host)})`,
      {
        hint: `add ${formatPlatform(host)} to --platform, or use --output oci:DIR for all platforms`,
        cause: err,
      },
    );
  });
  const c = await image.configFile();
  const platform = { os: c.os, architecture: c.architecture, ...(c.variant ? { variant: c.variant } : {}) };
  return { image, platform, picked };
}

export interface HostPlatformOptions {
  /** The platform to keep. Default: this host's. */
  host?: Platform;
  /** How messages name the sink (`--output docker`). Default its description. */
  label?: string;
}

/**
 * Gives a sink that takes one image (tarball, Engine) an index: it writes the host's image of it and says so in
 * `note`. Its `check` refuses, before any compile, a build of several platforms none of which is the host's.
 */
export function hostPlatformOnly(sink: Sink, options: HostPlatformOptions = {}): Sink {
  if (sink.takesIndex) return sink;
  const host = options.host ?? hostPlatform();
  const label = options.label ?? sink.description;
  return {
    kind: sink.kind,
    description: sink.description,
    takesIndex: true,
    async check(plan: SinkPlan = {}) {
      const platforms = plan.platforms ?? [];
      if (platforms.length > 1 && !platforms.some((p) => platformMatches(host, p))) {
        throw new MinnowError(
          'PLATFORM_NOT_FOUND',
          `${label} takes one image: this host's (${formatPlatform(host)}) of several platforms, and --platform does not build it`,
          { hint: `add ${formatPlatform(host)} to --platform, build one platform, or use --output oci:DIR` },
        );
      }
      await sink.check(plan);
    },
    async write(target: ImageOrIndex, write: SinkWriteOptions = {}): Promise<SinkResult> {
      const { image, platform, picked } = await hostImage(target, host);
      const result = await sink.write({ kind: 'image', image }, write);
      const note = picked
        ? `only the ${formatPlatform(platform)} image (this host's platform) was written`
        : undefined;
      return { ...result, platform, ...(note ? { note } : {}) };
    },
  };
}
