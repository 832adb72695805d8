import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { MinnowError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic.js';
import { helperGet, runCredentialHelper } from './credential-helper.js';
import { DOCKER_HUB } from './reference.js';

/** Credentials for one registry. Only one of password / identityToken / registryToken is normally set. */
export interface Credential {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (`identitytoken`), exchanged at the token endpoint. */
  identityToken?: string;
  /** A bearer token to send as is (`registrytoken`). */
  registryToken?: string;
}

/** The parts of Docker's config.json minnow reads and writes; every other field is kept as it is. */
export interface DockerConfigFile {
  auths?: Record<
    string,
    { auth?: string; username?: string; password?: string; identitytoken?: string; registrytoken?: string }
  >;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [key: string]: unknown;
}

/** Where to find the Docker config. */
export interface DockerConfigOptions {
  /** Environment to read DOCKER_CONFIG and HOME from. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** The key Docker stores Docker Hub credentials under. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

/** `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker');
  return join(dir, 'config.json');
}

/** Reads the Docker config; a missing file is an empty config, an unreadable one an error. */
export async function readDockerConfig(env: NodeJS.ProcessEnv = process.env): Promise<DockerConfigFile> {
  const path = dockerConfigPath(env);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new MinnowError('CONFIG_INVALID', `cannot read ${path}: ${(err as Error).message}`, {
      subject: path,
    });
  }
  try {
    const doc = JSON.parse(text) as unknown;
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('not an object');
    return doc as DockerConfigFile;
  } catch {
    throw new MinnowError('CONFIG_INVALID', `${path} is not a valid Docker config (invalid JSON)`, {
      subject: path,
    });
  }
}

/** Host part of an `auths` key (`https://index.docker.io/v1/` → `index.docker.io`), as Docker compares them. */
function keyHost(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, '').split('/')[0] as string;
}

function isHub(host: string): boolean {
  return host === DOCKER_HUB || host === 'index.docker.io' || host === 'registry-1.docker.io';
}

/** The server name credentials for `registry` are stored under. */
export function authKeyFor(registry: string): string {
  return isHub(registry) ? DOCKER_HUB_AUTH_KEY : registry;
}

function helperFor(config: DockerConfigFile, registry: string): string | undefined {
  const helpers = config.credHelpers ?? {};
  for (const [key, helper] of Object.entries(helpers)) {
    if (keyHost(key) === registry || (isHub(registry) && isHub(keyHost(key)))) return helper;
  }
  return config.credsStore || undefined;
}

function decodeAuth(entry: NonNullable<DockerConfigFile['auths']>[string]): Credential | undefined {
  if (entry.identitytoken) return { username: entry.username, identityToken: entry.identitytoken };
  if (entry.registrytoken) return { registryToken: entry.registrytoken };
  if (entry.auth) {
    const text = Buffer.from(entry.auth, 'base64').toString();
    const colon = text.indexOf(':');
    if (colon < 0) return undefined;
    return { username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  if (entry.username && entry.password) return { username: entry.username, password: entry.password };
  return undefined;
}

/**
 * The credentials the Docker config holds for `registry`: a `credHelpers` entry or `credsStore` first (through
 * `docker-credential-*`), then `auths`. Undefined means anonymous.
 */
export async function lookupCredential(
  registry: string,
  options: DockerConfigOptions = {},
): Promise<Credential | undefined> {
  const env = options.env ?? process.env;
  const config = await readDockerConfig(env);
  const helper = helperFor(config, registry);
  if (helper) {
    const got = await helperGet(helper, authKeyFor(registry), env);
    if (got) {
      return got.Username === '<token>'
        ? { identityToken: got.Secret }
        : { username: got.Username, password: got.Secret };
    }
  }
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    const host = keyHost(key);
    if (host === registry || (isHub(registry) && isHub(host))) {
      const cred = decodeAuth(entry);
      if (cred) return cred;
    }
  }
  return undefined;
}

async function writeConfig(config: DockerConfigFile, env: NodeJS.ProcessEnv): Promise<string> {
  const path = dockerConfigPath(env);
  await writeFileAtomic(path, `${JSON.stringify(config, null, '\t')}\n`, 0o600);
  return path;
}

/**
 * Stores credentials the way `docker login` does: through the configured helper when there is one (leaving an
 * empty `auths` entry, as Docker does), else base64 in `auths`. Returns the config path written.
 */
export async function storeCredential(
  registry: string,
  cred: { username: string; password: string },
  options: DockerConfigOptions = {},
): Promise<string> {
  const env = options.env ?? process.env;
  const config = await readDockerConfig(env);
  const key = authKeyFor(registry);
  const helper = helperFor(config, registry);
  const auths = { ...(config.auths ?? {}) };
  if (helper) {
    await runCredentialHelper(
      helper,
      'store',
      JSON.stringify({ ServerURL: key, Username: cred.username, Secret: cred.password }),
      env,
    );
    auths[key] = {};
  } else {
    auths[key] = { auth: Buffer.from(`${cred.username}:${cred.password}`).toString('base64') };
  }
  return writeConfig({ ...config, auths }, env);
}

/** Removes stored credentials for `registry` (helper and `auths`); returns false when there were none. */
export async function eraseCredential(registry: string, options: DockerConfigOptions = {}): Promise<boolean> {
  const env = options.env ?? process.env;
  const config = await readDockerConfig(env);
  const helper = helperFor(config, registry);
  let found = false;
  if (helper) {
    try {
      await runCredentialHelper(helper, 'erase', authKeyFor(registry), env);
      found = true;
    } catch {
      // Nothing stored in the helper; the auths entry may still be there.
    }
  }
  const auths = { ...(config.auths ?? {}) };
  for (const key of Object.keys(auths)) {
    const host = keyHost(key);
    if (host === registry || (isHub(registry) && isHub(host))) {
      delete auths[key];
      found = true;
    }
  }
  if (found) await writeConfig({ ...config, auths }, env);
  return found;
}
