import { spawn } from 'node:child_process';
import { MinnowError } from '../errors.js';

/** What a `docker-credential-*` helper returns for `get`. */
export interface HelperCredential {
  ServerURL?: string;
  Username: string;
  Secret: string;
}

/** Thrown inside this module when the helper has nothing stored for the server. */
export class CredentialsNotFound extends Error {}

/**
 * Runs `docker-credential-<helper> <action>` with `input` on stdin (Docker's credential helper protocol) and
 * returns stdout. The helper's output is never put into an error message, since it may hold the secret.
 */
export async function runCredentialHelper(
  helper: string,
  action: 'get' | 'store' | 'erase',
  input: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  if (!/^[A-Za-z0-9._-]+$/.test(helper)) {
    throw new MinnowError(
      'CONFIG_INVALID',
      `invalid credential helper name "${helper}" in the Docker config`,
    );
  }
  const program = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, [action], { env, stdio: ['pipe', 'pipe', 'pipe'], timeout: 60_000 });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(
        new MinnowError(
          'CONFIG_INVALID',
          e.code === 'ENOENT'
            ? `credential helper ${program} is named in the Docker config but is not installed`
            : `credential helper ${program} failed to start: ${e.message}`,
          {
            subject: program,
            hint: 'install the helper, or remove credsStore/credHelpers from the Docker config',
          },
        ),
      );
    });
    child.on('close', (code) => {
      const stdout = Buffer.concat(out).toString();
      if (code === 0) {
        resolve(stdout);
        return;
      }
      const text = `${stdout}\n${Buffer.concat(err).toString()}`;
      if (/credentials not found/i.test(text)) {
        reject(new CredentialsNotFound(program));
        return;
      }
      reject(
        new MinnowError(
          'CONFIG_INVALID',
          `credential helper ${program} ${action} exited with status ${code}`,
          {
            subject: program,
          },
        ),
      );
    });
    child.stdin.on('error', () => {
      /* reported through 'close' */
    });
    child.stdin.end(input);
  });
}

/** `get` through a helper; undefined when it has nothing stored for `serverUrl`. */
export async function helperGet(
  helper: string,
  serverUrl: string,
  env?: NodeJS.ProcessEnv,
): Promise<HelperCredential | undefined> {
  let stdout: string;
  try {
    stdout = await runCredentialHelper(helper, 'get', serverUrl, env);
  } catch (err) {
    if (err instanceof CredentialsNotFound) return undefined;
    throw err;
  }
  try {
    const parsed = JSON.parse(stdout) as Partial<HelperCredential>;
    if (typeof parsed.Secret !== 'string') return undefined;
    return { ServerURL: parsed.ServerURL, Username: parsed.Username ?? '', Secret: parsed.Secret };
  } catch {
    throw new MinnowError(
      'CONFIG_INVALID',
      `credential helper docker-credential-${helper} printed invalid JSON`,
    );
  }
}
