import { createRequire } from 'node:module';

/** Set by the CLI bundle (scripts/bundle-cli.mjs) to package.json's version, so the bundle reads no file for it. */
declare const MINNOW_BUNDLED_VERSION: string | undefined;

/** minnow's version, from package.json. */
export const VERSION: string =
  typeof MINNOW_BUNDLED_VERSION === 'string'
    ? MINNOW_BUNDLED_VERSION
    : (createRequire(import.meta.url)('../package.json') as { version: string }).version;
