import type { KeyObject } from 'node:crypto';
import { MinnowError } from '../errors.js';
import type { Digest } from '../oci/index.js';
import { RegistryClient, type RegistryClientOptions } from '../registry/client.js';
import type { Reference } from '../registry/reference.js';
import { COSIGN_SIGNATURE_ANNOTATION, parseSimpleSigning } from './cosign.js';
import { DSSE_MEDIA_TYPE, envelopeVerifies, parseEnvelope } from './dsse.js';
import { readPublicKey } from './keys.js';
import { ATTESTATION_KINDS } from './kinds.js';
import type { SlsaProvenanceV1 } from './provenance.js';
import { resolveAttached, type AttachedTarget } from './resolve-target.js';
import type { CosignTags } from './sign.js';
import { keyVerifier, type SignatureVerifier } from './signer.js';
import { statementNames, type Statement } from './statement.js';

/** Options of `verifyImage`. */
export interface VerifyOptions extends RegistryClientOptions {
  /** The public key (PEM text or a KeyObject) the signatures must verify with. */
  publicKey: string | KeyObject;
  /** Fail unless a signed SLSA provenance names the image. Default false. */
  requireProvenance?: boolean;
  /** Fail unless the provenance's source repository is this URL. Implies a provenance. */
  sourceRepo?: string;
  /** Fail unless the provenance's base image has this digest. Implies a provenance. */
  baseDigest?: string;
  client?: RegistryClient;
}

/** One check and its outcome. */
export interface VerifyCheck {
  name: 'signature' | 'attestations' | 'provenance' | 'source-repo' | 'base-digest';
  ok: boolean;
  /** One line saying what was found. */
  detail: string;
}

/** A verified attestation. */
export interface VerifiedAttestation {
  /** The image digest the attestation is stored under. */
  image: Digest;
  predicateType: string;
  subjects: string[];
}

/** What `verifyImage` found. */
export interface VerifyReport {
  reference: string;
  digest: Digest;
  ok: boolean;
  checks: VerifyCheck[];
  attestations: VerifiedAttestation[];
}

const normalizeRepo = (url: string): string =>
  url
    .trim()
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .toLowerCase();

async function signatureCheck(
  tags: CosignTags,
  target: AttachedTarget,
  verifier: SignatureVerifier,
): Promise<VerifyCheck> {
  const layers = await tags.read(target.digest, 'sig');
  if (layers.length === 0)
    return { name: 'signature', ok: false, detail: `no signature for ${target.digest}` };
  let signedOther = false;
  for (const l of layers) {
    const sig = l.descriptor.annotations?.[COSIGN_SIGNATURE_ANNOTATION];
    if (!sig || !verifier.verify(l.data, Buffer.from(sig, 'base64'))) continue;
    const claims = parseSimpleSigning(l.data);
    if (claims?.digest === target.digest) {
      return {
        name: 'signature',
        ok: true,
        detail: `signed by the key (${layers.length} signature(s) attached)`,
      };
    }
    signedOther = true;
  }
  return {
    name: 'signature',
    ok: false,
    detail: signedOther
      ? `the key's signature names another image, not ${target.digest}`
      : `no signature verifies with the key (${layers.length} attached)`,
  };
}

/**
 * Verifies a pushed image (or one in an OCI layout: `oci:DIR[:TAG]`) against a public key, reading what cosign
 * writes: a signature whose payload names the image's digest; every attestation signed by the key, with a
 * statement whose subject is the image (or, for an index, one of its platform images); and the optional policies
 * on the provenance. Never throws for a failed
 * check: the report says which failed (`ok` false), so a CLI can print every reason and exit 3.
 */
export async function verifyImage(
  reference: string | Reference,
  options: VerifyOptions,
): Promise<VerifyReport> {
  const key = typeof options.publicKey === 'string' ? readPublicKey(options.publicKey) : options.publicKey;
  const verifier = keyVerifier(key);
  const client = options.client ?? new RegistryClient(options);
  try {
    const target = await resolveAttached(client, reference);
    const tags = target.tags;
    const checks: VerifyCheck[] = [await signatureCheck(tags, target, verifier)];
    const subjects = new Set<Digest>([target.digest, ...target.children.map((d) => d.digest)]);
    const attestations: VerifiedAttestation[] = [];
    const provenances: Statement<SlsaProvenanceV1>[] = [];
    const problems: string[] = [];
    for (const image of subjects) {
      const layers = await tags.read(image, 'att');
      for (const [i, l] of layers.entries()) {
        const where = `attestation ${i + 1} of ${image.slice(0, 19)}`;
        if (l.descriptor.mediaType !== DSSE_MEDIA_TYPE) continue;
        let statement: Statement;
        try {
          const envelope = parseEnvelope(l.data);
          if (!envelopeVerifies(envelope, verifier)) {
            problems.push(`${where}: signature does not verify with the key`);
            continue;
          }
          statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as Statement;
        } catch (err) {
          problems.push(`${where}: ${(err as Error).message}`);
          continue;
        }
        if (!Array.isArray(statement.subject) || ![...subjects].some((d) => statementNames(statement, d))) {
          problems.push(`${where}: its subject is not this image`);
          continue;
        }
        attestations.push({
          image,
          predicateType: statement.predicateType,
          subjects: statement.subject.map(
            (s) => Object.entries(s.digest).map(([a, h]) => `${a}:${h}`)[0] ?? '',
          ),
        });
        if (statement.predicateType === ATTESTATION_KINDS.provenance.predicateType)
          provenances.push(statement as Statement<SlsaProvenanceV1>);
      }
    }
    checks.push(
      problems.length
        ? { name: 'attestations', ok: false, detail: problems.join('; ') }
        : { name: 'attestations', ok: true, detail: `${attestations.length} verified` },
    );
    const wantProvenance = options.requireProvenance || options.sourceRepo || options.baseDigest;
    if (wantProvenance) {
      checks.push(
        provenances.length
          ? {
              name: 'provenance',
              ok: true,
              detail: `${provenances.length} signed SLSA provenance statement(s)`,
            }
          : { name: 'provenance', ok: false, detail: 'no signed SLSA provenance names the image' },
      );
    }
    if (options.sourceRepo) {
      const want = normalizeRepo(options.sourceRepo);
      const seen = provenances.map(
        (p) => p.predicate.buildDefinition?.externalParameters?.source?.repository ?? '(none)',
      );
      const ok = seen.length > 0 && seen.every((s) => normalizeRepo(s) === want);
      checks.push({
        name: 'source-repo',
        ok,
        detail: `provenance source: ${[...new Set(seen)].join(', ') || '(none)'}`,
      });
    }
    if (options.baseDigest) {
      const want = options.baseDigest;
      const seen = provenances.map((p) => {
        const base = p.predicate.buildDefinition?.resolvedDependencies?.find((d) => d.name === 'base');
        const [alg, hex] = Object.entries(base?.digest ?? {})[0] ?? [];
        return alg && hex ? `${alg}:${hex}` : '(none)';
      });
      const ok = seen.length > 0 && seen.every((s) => s === want);
      checks.push({
        name: 'base-digest',
        ok,
        detail: `provenance base: ${[...new Set(seen)].join(', ') || '(none)'}`,
      });
    }
    return {
      reference: target.reference,
      digest: target.digest,
      ok: checks.every((c) => c.ok),
      checks,
      attestations,
    };
  } finally {
    if (!options.client) await client.close();
  }
}

/** Throws POLICY_FAILED naming every failed check, for callers that want an exception. */
export function assertVerified(report: VerifyReport): void {
  const failed = report.checks.filter((c) => !c.ok);
  if (failed.length === 0) return;
  throw new MinnowError(
    'POLICY_FAILED',
    `verification of ${report.reference} failed: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}`,
    { subject: report.reference },
  );
}
