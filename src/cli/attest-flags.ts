import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import type { AttachReport } from '../attest/attach.js';
import type { LayoutAttachReport } from '../attest/layout.js';
import type { Signer } from '../attest/signer.js';
import type { SbomFormat } from '../analyze/sbom/index.js';
import type { BuildOptions } from '../build/types.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { AttestSettings } from '../config/schema.js';
import { MinnowError } from '../errors.js';
import type { ImageOrIndex } from '../oci/index.js';
import type { PushResult } from '../publish/registry.js';
import { keyPassword } from './password.js';

/** The flags of a command that attests what it pushes. */
export interface AttestFlags {
  /** `none` turns the SBOM referrer off; any other value is `build`'s local SBOM file. */
  sbom?: string;
  /** Default spdx-json (or minnow.yaml's `attest.sbom`). */
  sbomFormat?: string;
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
      "sign pushed images and their attestations with this key (cosign's format or PKCS#8); an oci: layout written gets them too, signed",
    );
}

/** A loaded minnow.yaml's `attest` block, its `signKey` made absolute (relative to the file). */
export function configAttest(config: LoadedConfig | undefined): AttestSettings | undefined {
  const attest = config?.config.attest;
  if (!attest || !config) return attest;
  return attest.signKey ? { ...attest, signKey: resolve(dirname(config.path), attest.signKey) } : attest;
}

/** minnow.yaml's `attest` block under the flags: a flag given wins, the file fills in the rest. */
export function withAttestConfig(flags: AttestFlags, config: AttestSettings | undefined): AttestFlags {
  if (!config) return flags;
  const sbomOff = flags.sbom === 'none' || (config.sbom === 'none' && flags.sbomFormat === undefined);
  const format = flags.sbomFormat ?? (config.sbom !== 'none' ? config.sbom : undefined);
  const signKey = flags.signKey ?? config.signKey;
  return {
    ...flags,
    ...(sbomOff ? { sbom: 'none' } : {}),
    ...(format ? { sbomFormat: format } : {}),
    ...(flags.provenance === undefined && config.provenance === false ? { provenance: 'none' } : {}),
    ...(signKey ? { signKey } : {}),
  };
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

/** Loads what attaching needs (SBOM, provenance, referrers), so the import happens while Go builds. */
export async function preloadAttest(): Promise<void> {
  await Promise.all([import('../attest/attach.js'), import('../registry/client.js')]);
}

/** Reads (and decrypts) the signing key, so a wrong path or password fails before anything is pushed. */
export async function loadSigner(file: string): Promise<Signer> {
  const [{ loadPrivateKey, isEncryptedKey }, { keySigner }] = await Promise.all([
    import('../attest/keys.js'),
    import('../attest/signer.js'),
  ]);
  const pem = await readFile(file, 'utf8').catch((err: unknown) => {
    throw new MinnowError('NOT_FOUND', `cannot read the signing key ${file}`, { cause: err });
  });
  const password = isEncryptedKey(pem) ? await keyPassword(file) : undefined;
  return keySigner(await loadPrivateKey(pem, password, file));
}

/**
 * Attaches SBOM and provenance (and, with --sign-key, cosign signatures) to every pushed image. Loaded only when
 * something was pushed.
 */
export async function attestPushed(
  target: ImageOrIndex,
  pushed: PushResult[],
  flags: AttestFlags,
  options: { provenance: Record<string, unknown>; signer?: Signer; signal?: AbortSignal },
): Promise<AttachReport[]> {
  const sbom: SbomFormat | false =
    flags.sbom === 'none' ? false : ((flags.sbomFormat ?? 'spdx-json') as SbomFormat);
  const provenance = flags.provenance === 'none' ? false : { options: options.provenance };
  if (pushed.length === 0 || (!sbom && !provenance && !flags.signKey)) return [];
  const [{ attachAttestations }, { RegistryClient }] = await Promise.all([
    import('../attest/attach.js'),
    import('../registry/client.js'),
  ]);
  const signer = options.signer ?? (flags.signKey ? await loadSigner(flags.signKey) : undefined);
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

/**
 * With a signing key, an OCI layout the build wrote gets what a push would: SBOM and provenance referrers, and
 * cosign's signatures and signed attestations as tagged entries, which `minnow push` then copies to a registry.
 * Without a key a layout gets none (a dev build's layout stays as fast to write as before).
 */
export async function attestLayouts(
  target: ImageOrIndex,
  written: { kind: string; path?: string }[],
  flags: AttestFlags,
  options: { name: string; provenance: Record<string, unknown>; signer?: Signer },
): Promise<LayoutAttachReport[]> {
  const dirs = written.flatMap((w) => (w.kind === 'oci' && w.path ? [w.path] : []));
  if (!options.signer || dirs.length === 0) return [];
  const sbom: SbomFormat | false =
    flags.sbom === 'none' ? false : ((flags.sbomFormat ?? 'spdx-json') as SbomFormat);
  const provenance = flags.provenance === 'none' ? false : { options: options.provenance };
  const [{ attachToLayout }, { gcLayout }] = await Promise.all([
    import('../attest/layout.js'),
    import('../publish/layout-gc.js'),
  ]);
  const reports: LayoutAttachReport[] = [];
  for (const dir of dirs) {
    reports.push(
      await attachToLayout(dir, options.name, target, { sbom, provenance, signer: options.signer }),
    );
    // The blobs of what they replaced (an earlier build's statements and signatures) go now.
    await gcLayout(dir);
  }
  return reports;
}
