/**
 * Patterns of credentials in file contents and image config, after the common rule sets (gitleaks, trivy): each
 * names a kind of secret; the matched value is never kept or printed, only the kind and the path.
 */
const PATTERNS: ReadonlyArray<{ kind: string; re: RegExp }> = [
  { kind: 'private key', re: /-----BEGIN (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-----/ },
  { kind: 'AWS access key', re: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/ },
  { kind: 'AWS secret key', re: /aws_?secret_?access_?key["']?\s*[:=]\s*["']?[A-Za-z0-9/+=]{40}\b/i },
  { kind: 'GCP service account key', re: /"type"\s*:\s*"service_account"[\s\S]{0,2000}"private_key"/ },
  { kind: 'GCP API key', re: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { kind: 'GitHub token', re: /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{82}\b/ },
  { kind: 'Slack token', re: /\bxox[abposr]-[0-9A-Za-z-]{10,}/ },
  {
    kind: 'Slack webhook',
    re: /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+/,
  },
];

/** `password = "…"`, `api_key: …`, `TOKEN=…`: an assignment whose value looks random. */
const ASSIGNMENT =
  /\b[\w.-]*(?:password|passwd|pwd|secret|token|api_?key|access_?key|auth_?key|client_?secret)[\w.-]*["']?\s*[:=]\s*["']?([^\s"'`<>${}]{16,})/gi;

/** Shannon entropy in bits per character. */
function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** A value that is random enough to be a credential rather than a word, a path or a placeholder. */
export function looksRandom(value: string): boolean {
  if (value.length < 16 || /^[a-z_.-]+$/i.test(value) || value.includes('/')) return false;
  const classes = [/[a-z]/, /[A-Z]/, /\d/].filter((r) => r.test(value)).length;
  return classes >= 2 && entropy(value) >= 3.5;
}

/** The kind of secret `text` holds (`AWS access key`, `high-entropy assignment`…), or undefined. */
export function secretKind(text: string): string | undefined {
  for (const { kind, re } of PATTERNS) if (re.test(text)) return kind;
  for (const m of text.matchAll(ASSIGNMENT)) if (looksRandom(m[1] ?? '')) return 'high-entropy assignment';
  return undefined;
}

/** The kind of token a single value is (an Env value, a label), by the fixed patterns only. */
export function tokenKind(value: string): string | undefined {
  for (const { kind, re } of PATTERNS) if (re.test(value)) return kind;
  return undefined;
}

/** Trees whose files come from packages and hold test keys and examples, not the app's secrets. */
const PACKAGED =
  /^\/(?:usr|lib|lib32|lib64|libx32|bin|sbin|proc|sys|etc\/ssl|var\/lib\/(?:dpkg|apt)|var\/cache)(?:\/|$)/;

/** Whether a file's content is scanned for secrets: small, and outside the trees packages own. */
export function scanForSecrets(path: string, size: number): boolean {
  return size > 0 && size <= 1024 * 1024 && !PACKAGED.test(path);
}

/** Bytes of a file's start that are scanned. */
export const SECRET_SCAN_BYTES = 256 * 1024;
