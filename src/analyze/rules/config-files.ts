import { finding } from './catalog.js';
import { listed, type RuleContext } from './context.js';
import { tokenKind } from '../secrets.js';
import { fileName } from '../utilities.js';
import type { FileInfo, ImageFinding } from '../types.js';

/** File names and paths that usually hold secrets: one alternation each, tested once per file. */
const SECRET_NAME = new RegExp(
  [
    /^id_(rsa|dsa|ecdsa|ed25519)$/,
    /^\.env(\..+)?$/,
    /^\.?credentials(\.json)?$/,
    /^\.git-credentials$/,
    /^\.netrc$/,
    /^\.npmrc$/,
    /^\.pypirc$/,
    /^\.htpasswd$/,
    /\.(key|p12|pfx|jks|keystore)$/,
    /^secrets?\.(json|ya?ml|env|txt)$/,
  ]
    .map((r) => `(?:${r.source})`)
    .join('|'),
);
const SECRET_PATH = /\/(?:\.aws\/credentials|\.docker\/config\.json|\.kube\/config)$/;
/** Env keys that usually hold secrets (values are never printed). */
export const SECRET_ENV = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|AUTH)/i;
const NOT_SECRET_ENV = /(_FILE|_PATH|_DIR|_URL|_HOST|_PORT)$/i;

/** True when an Env key looks like it carries a secret. */
export function isSecretEnvKey(key: string): boolean {
  return SECRET_ENV.test(key) && !NOT_SECRET_ENV.test(key);
}

function looksSecret(e: FileInfo): string | undefined {
  if (e.type !== 'file') return undefined;
  if (e.secretContent) return e.secretContent;
  if (SECRET_NAME.test(fileName(e.path)) || SECRET_PATH.test(e.path)) return 'file name';
  return undefined;
}

/** Configuration files: login shells, empty passwords, world-writable paths, secrets in files and Env. */
export function configFileFindings(ctx: RuleContext): ImageFinding[] {
  const out: ImageFinding[] = [];
  const users = ctx.analysis.users;
  const login = users.filter((u) => u.loginShell);
  if (login.length > 0) {
    out.push(
      finding(
        'MN-CF-001',
        `users with a login shell: ${login.map((u) => `${u.name} (${u.shell})`).join(', ')}`,
        ['/etc/passwd'],
      ),
    );
  }
  const empty = users.filter((u) => u.emptyPassword);
  if (empty.length > 0) {
    out.push(
      finding('MN-CF-002', `users with an empty password: ${empty.map((u) => u.name).join(', ')}`, [
        '/etc/passwd',
        '/etc/shadow',
      ]),
    );
  }
  const writable = ctx.entries.filter(
    (e) =>
      (e.type === 'file' || e.type === 'directory') &&
      (e.mode & 0o002) !== 0 &&
      !(e.type === 'directory' && (e.mode & 0o1000) !== 0),
  );
  if (writable.length > 0) {
    out.push(
      finding(
        'MN-CF-003',
        `${writable.length} world-writable paths without the sticky bit`,
        listed(writable.map((e) => e.path)),
      ),
    );
  }
  const secrets = ctx.entries.map((e) => [e, looksSecret(e)] as const).filter(([, why]) => why);
  if (secrets.length > 0) {
    const kinds = [...new Set(secrets.map(([, why]) => why))].join(', ');
    const paths = secrets.map(([e]) => e.path);
    const named = paths.slice(0, 5).join(', ') + (paths.length > 5 ? ` and ${paths.length - 5} more` : '');
    out.push(
      finding(
        'MN-CF-004',
        `${secrets.length} file${secrets.length === 1 ? '' : 's'} look${secrets.length === 1 ? 's' : ''} like secrets (${kinds}): ${named}`,
        listed(paths),
      ),
    );
  }
  // By key name (PASSWORD=…), or by value (a token under an innocent name); values are never shown.
  const env = (ctx.config.Env ?? []).map((kv) => {
    const eq = kv.indexOf('=');
    return eq < 0 ? [kv, ''] : [kv.slice(0, eq), kv.slice(eq + 1)];
  });
  const keys = env.filter(([k, v]) => isSecretEnvKey(k!) || tokenKind(v!)).map(([k]) => k!);
  const labels = Object.entries(ctx.config.Labels ?? {}).filter(([, v]) => tokenKind(v));
  if (keys.length > 0 || labels.length > 0) {
    out.push(
      finding(
        'MN-CF-005',
        `config values that look like secrets: ${[...keys.map((k) => `Env ${k}`), ...labels.map(([k]) => `label ${k}`)].join(', ')}`,
        [...keys.map((k) => `config.Env.${k}`), ...labels.map(([k]) => `config.Labels.${k}`)],
      ),
    );
  }
  return out;
}
