import type { ImageOrIndex } from '../oci/index.js';
import type { RegistryClient } from '../registry/client.js';
import { parseSbomFormat } from '../analyze/sbom/index.js';
import { attachAttestations } from '../attest/attach.js';
import { loadSigner } from './attest-flags.js';

/**
 * `minnow push --sign-key` / `--sbom-format`: what push attaches of its own. A module apart because it carries the
 * image analysis an SBOM needs (0.3 MB): the push bundle leaves it out (scripts/bundle-cli.mjs), and bin/minnow.cjs
 * runs the whole bundle when these flags are given.
 */
export interface PushAttest {
  attach(ref: string, target: ImageOrIndex, client: RegistryClient, signal: AbortSignal): Promise<void>;
}

/** Checks the format and reads (and decrypts) the key, before anything is pushed. */
export async function preparePushAttest(flags: {
  signKey?: string;
  sbomFormat?: string;
}): Promise<PushAttest> {
  const sbom = flags.sbomFormat === undefined ? false : parseSbomFormat(flags.sbomFormat);
  const signer = flags.signKey === undefined ? undefined : await loadSigner(flags.signKey);
  return {
    async attach(ref, target, client, signal) {
      await attachAttestations(ref, target, {
        client,
        sbom,
        // Nothing was built here: there is no build for a provenance to describe.
        provenance: false,
        ...(signer ? { signer } : {}),
        signal,
      });
    },
  };
}
