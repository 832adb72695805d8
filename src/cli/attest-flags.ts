import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { AttachReport } from '../attest/attach.js';
import type { SbomFormat } from '../analyze/sbom/index.js';
import type { BuildOptions } from '../build/types.js';
import { MinnowError } from '../errors.js';
import type { ImageOrIndex } from '../oci/index.js';
import type { PushResult } from '../publish/registry.js';
import { keyPassword } from './password.js';

/** The flags of a command that attests what it pushes. */
export interface AttestFlags {
  /** `none` turns the SBOM referrer off; any other value is `build`'s local SBOM file. */
  sbom?: string;
  sbomFormat: string;
  provenance?: string;
  signKey?: string;
  insecureRegistry: string[];
}

/** Adds --provenance and --sign-key (the SBOM flags are the command's own). */
export function addAttestOptions(command: Command): Command {
  return command
    .option('--provenance <none>', 'none: attach no SLSA provenance to pushed images')
    .option(
      '--sign-key <file>',
      "sign pushed images and their attestations with this key (cosign's format or PKCS#8)",
    );
}

/** Checks the attestation flags before any work starts. */
export function checkAttestFlags(flags: AttestFlags): void {
  if (flags.provenance !== undefined && flags.provenance !== 'none') {
    throw new MinnowError(
      'INVALID_ARGUMENT',
      `invalid --provenance "${flags.provenance}": the only value is none`,
    );
  }
}

/** The build options that change the output, for the provenance (values of env and go-env left out: secrets). */
export function provenanceOptions(options: BuildOptions): Record<string, unknown> {
  const {
    base,
    platforms,
    ldflags,
    tags,
    goEnv,
    user,
    workdir,
    entrypoint,
    args,
    env,
    ports,
    labels,
    annotations,
  } = options;
  const picked: Record<string, unknown> = {
    base,
    platforms: platforms?.map((p) => `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`),
    ldflags,
    tags,
    goEnv: goEnv ? Object.keys(goEnv).sort() : undefined,
    user,
    workdir,
    entrypoint,
    args,
    env: env ? Object.keys(env).sort() : undefined,
    ports,
    labels,
    annotations,
    tzdata: options.tzdata,
    data: options.data,
  };
  return Object.fromEntries(Object.entries(picked).filter(([, v]) => v !== undefined));
}

/**
 * Attaches SBOM and provenance (and, with --sign-key, cosign signatures) to every pushed image. Loaded only when
 * something was pushed.
 */
export async function attestPushed(
  target: ImageOrIndex,
  pushed: PushResult[],
  flags: AttestFlags,
  options: { provenance: Record<string, unknown>; signal?: AbortSignal },
): Promise<AttachReport[]> {
  const sbom: SbomFormat | false = flags.sbom === 'none' ? false : (flags.sbomFormat as SbomFormat);
  const provenance = flags.provenance === 'none' ? false : { options: options.provenance };
  if (pushed.length === 0 || (!sbom && !provenance && !flags.signKey)) return [];
  const [{ attachAttestations }, { readPrivateKey, isEncryptedKey }, { keySigner }, { RegistryClient }] =
    await Promise.all([
      import('../attest/attach.js'),
      import('../attest/keys.js'),
      import('../attest/signer.js'),
      import('../registry/client.js'),
    ]);
  let signer;
  if (flags.signKey) {
    const pem = await readFile(flags.signKey, 'utf8').catch((err: unknown) => {
      throw new MinnowError('NOT_FOUND', `cannot read --sign-key ${flags.signKey}`, { cause: err });
    });
    const password = isEncryptedKey(pem) ? await keyPassword(flags.signKey) : undefined;
    signer = keySigner(readPrivateKey(pem, password, flags.signKey));
  }
  const client = new RegistryClient({ insecureRegistries: flags.insecureRegistry });
  try {
    const reports: AttachReport[] = [];
    for (const p of pushed) {
      reports.push(
        await attachAttestations(p.ref, target, {
          client,
          sbom,
          provenance,
          ...(signer ? { signer } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        }),
      );
    }
    return reports;
  } finally {
    await client.close();
  }
}
