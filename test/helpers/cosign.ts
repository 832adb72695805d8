import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { keySigner, readPrivateKey, type Signer } from '../../src/attest/index.js';
import { exec } from './exec.js';

/** A directory for cosign (its HOME, a Docker config of its own) and the environment to run it in. */
export function cosignEnv(dir: string, password: string, more: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HOME: dir,
    DOCKER_CONFIG: join(dir, 'docker-config'),
    COSIGN_PASSWORD: password,
    ...more,
  };
}

/** A key pair the real `cosign generate-key-pair` made in `dir` (cosign.key, cosign.pub), and a signer over it. */
export async function cosignKeyPair(
  dir: string,
  env: NodeJS.ProcessEnv,
): Promise<{ key: string; pub: string; signer: Signer }> {
  await exec('cosign', ['generate-key-pair', '--output-key-prefix', join(dir, 'cosign')], { env });
  const key = join(dir, 'cosign.key');
  const signer = keySigner(readPrivateKey(await readFile(key, 'utf8'), env.COSIGN_PASSWORD ?? ''));
  return { key, pub: join(dir, 'cosign.pub'), signer };
}

/** cosign against the test registries: plain HTTP, no transparency log. */
export function cosignRunner(env: () => NodeJS.ProcessEnv): (args: string[]) => Promise<string> {
  return (args) =>
    exec('cosign', [...args, '--insecure-ignore-tlog', '--allow-http-registry'], { env: env() });
}
