import { lstat, readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { generateKeyPair, listAttachments, verifyImage, type VerifyReport } from '../../attest/index.js';
import { MinnowError } from '../../errors.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { escapeTerminal } from '../../util/terminal.js';
import pc from '../colors.js';
import { keyPassword } from '../password.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

interface VerifyFlags {
  key: string;
  requireProvenance?: boolean;
  sourceRepo?: string;
  baseDigest?: string;
  insecureRegistry: string[];
  json?: boolean;
}

async function readKeyFile(file: string): Promise<string> {
  return readFile(file, 'utf8').catch((err: unknown) => {
    throw new MinnowError('NOT_FOUND', `cannot read key ${file}`, { subject: file, cause: err });
  });
}

// What the registry, the layout or a signed statement says (a referrer's annotations, a provenance's source) is
// escaped before it reaches the terminal: a signature says who signed, not that the text is safe to print.
function renderVerify(report: VerifyReport): string {
  const lines = [
    `${report.ok ? pc.green('verified') : pc.red('NOT verified')} ${escapeTerminal(report.reference)}`,
  ];
  for (const c of report.checks)
    lines.push(`  ${c.ok ? pc.green('ok  ') : pc.red('FAIL')} ${c.name}: ${escapeTerminal(c.detail)}`);
  for (const a of report.attestations)
    lines.push(pc.dim(`  attestation ${escapeTerminal(a.predicateType)} on ${a.image}`));
  return `${lines.join('\n')}\n`;
}

async function verify(ref: string, flags: VerifyFlags): Promise<void> {
  const report = await verifyImage(ref, {
    publicKey: await readKeyFile(flags.key),
    insecureRegistries: flags.insecureRegistry,
    ...(flags.requireProvenance ? { requireProvenance: true } : {}),
    ...(flags.sourceRepo ? { sourceRepo: flags.sourceRepo } : {}),
    ...(flags.baseDigest ? { baseDigest: flags.baseDigest } : {}),
  });
  process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : renderVerify(report));
  const failed = report.checks.filter((c) => !c.ok);
  if (failed.length) {
    throw new MinnowError(
      'POLICY_FAILED',
      `${ref}: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}`,
      {
        subject: ref,
      },
    );
  }
}

async function attestations(
  ref: string,
  flags: { insecureRegistry: string[]; json?: boolean },
): Promise<void> {
  const report = await listAttachments(ref, { insecureRegistries: flags.insecureRegistry });
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const lines = [escapeTerminal(report.reference)];
  for (const m of report.manifests) {
    lines.push(`${escapeTerminal(m.platform ?? 'image')} ${m.digest} (${m.mode})`);
    for (const r of m.referrers) {
      const kind = r.annotations?.['dev.minnow.attachment'] ?? r.artifactType ?? r.mediaType;
      lines.push(`  referrer ${escapeTerminal(kind)} ${escapeTerminal(r.digest)}`);
    }
    if (m.signatures) lines.push(`  signatures: ${m.signatures}`);
    for (const a of m.attestations) lines.push(`  attestation ${escapeTerminal(a)}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function generate(flags: { outputKeyPrefix: string; force?: boolean }): Promise<void> {
  const keyFile = `${flags.outputKeyPrefix}.key`;
  const pubFile = `${flags.outputKeyPrefix}.pub`;
  for (const f of [keyFile, pubFile]) {
    if (!flags.force && (await lstat(f).catch(() => undefined))) {
      throw new MinnowError('OUTPUT_EXISTS', `${f} exists (use --force to replace it)`, { subject: f });
    }
  }
  const pair = generateKeyPair(await keyPassword(keyFile, { confirm: true }));
  await writeFileAtomic(keyFile, pair.privateKey, 0o600);
  await writeFileAtomic(pubFile, pair.publicKey);
  process.stdout.write(`Private key written to ${keyFile}\nPublic key written to ${pubFile}\n`);
}

/** Registers `minnow verify`, `minnow attestations` and `minnow generate-key-pair`. */
export function register(program: Command): void {
  program
    .command('verify')
    .description(
      "Check an image's cosign signature and signed attestations against a public key; exit 3 on failure",
    )
    .argument(
      '<ref>',
      'a registry reference (ghcr.io/org/app:v1), or oci:DIR[:TAG] for a layout build --sign-key wrote',
    )
    .requiredOption('--key <file>', 'the public key (cosign.pub)')
    .option('--require-provenance', 'fail unless a signed SLSA provenance names the image')
    .option('--source-repo <url>', "fail unless the provenance's source repository is this URL")
    .option('--base-digest <digest>', "fail unless the provenance's base image has this digest")
    .option(
      '--insecure-registry <host>',
      'allow plain HTTP or an unverified certificate for this host',
      collect,
      [],
    )
    .option('--json', 'print the report as JSON')
    .action((ref: string, flags: VerifyFlags) => verify(ref, flags));
  program
    .command('attestations')
    .description('List what is attached to an image: SBOM and provenance referrers, signatures, attestations')
    .argument('<ref>', 'a registry reference, or oci:DIR[:TAG] for a layout')
    .option(
      '--insecure-registry <host>',
      'allow plain HTTP or an unverified certificate for this host',
      collect,
      [],
    )
    .option('--json', 'print JSON')
    .action((ref: string, flags: { insecureRegistry: string[]; json?: boolean }) => attestations(ref, flags));
  program
    .command('generate-key-pair')
    .description(
      "Make an ECDSA P-256 signing key pair in cosign's format (password from COSIGN_PASSWORD or asked)",
    )
    .option('--output-key-prefix <prefix>', 'write PREFIX.key and PREFIX.pub', 'cosign')
    .option('--force', 'replace existing key files')
    .action((flags: { outputKeyPrefix: string; force?: boolean }) => generate(flags));
}
