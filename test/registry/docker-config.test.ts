import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  dockerConfigPath,
  eraseCredential,
  lookupCredential,
  storeCredential,
} from '../../src/registry/docker-config.js';
import { tempDir } from '../helpers/tmp.js';

async function configEnv(config: unknown): Promise<NodeJS.ProcessEnv> {
  const dir = await tempDir();
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  return { ...process.env, DOCKER_CONFIG: dir };
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('Docker config credentials', () => {
  it('finds Docker Hub credentials under any of the keys docker writes', async () => {
    for (const key of [
      'https://index.docker.io/v1/',
      'index.docker.io',
      'docker.io',
      'registry-1.docker.io',
    ]) {
      const env = await configEnv({ auths: { [key]: { auth: b64('hubuser:hubpass') } } });
      expect(await lookupCredential('docker.io', { env })).toEqual({
        username: 'hubuser',
        password: 'hubpass',
      });
    }
  });

  it('matches other registries by host, whatever scheme or path the key has', async () => {
    const env = await configEnv({
      auths: {
        'https://ghcr.io/v2/': { auth: b64('me:tok:with:colons') },
        'quay.io': { identitytoken: 'refresh-123' },
        'r.example.com:5000': { username: 'u', password: 'p' },
      },
    });
    expect(await lookupCredential('ghcr.io', { env })).toEqual({
      username: 'me',
      password: 'tok:with:colons',
    });
    expect(await lookupCredential('quay.io', { env })).toEqual({ identityToken: 'refresh-123' });
    expect(await lookupCredential('r.example.com:5000', { env })).toEqual({ username: 'u', password: 'p' });
    expect(await lookupCredential('other.example.com', { env })).toBeUndefined();
  });

  it('asks a credHelpers helper first, and reports a helper that is not installed clearly', async () => {
    const dir = await tempDir();
    const bin = join(dir, 'bin');
    await mkdir(bin);
    await writeFile(
      join(bin, 'docker-credential-tokenish'),
      '#!/bin/sh\necho \'{"Username":"<token>","Secret":"idtok"}\'\n',
    );
    await chmod(join(bin, 'docker-credential-tokenish'), 0o755);
    const env = await configEnv({
      credHelpers: { 'gcr.io': 'tokenish', 'ecr.example.com': 'not-installed' },
      auths: { 'gcr.io': { auth: b64('ignored:ignored') } },
    });
    env.PATH = `${bin}:${process.env.PATH}`;
    expect(await lookupCredential('gcr.io', { env })).toEqual({ identityToken: 'idtok' });
    await expect(lookupCredential('ecr.example.com', { env })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message:
        'credential helper docker-credential-not-installed is named in the Docker config but is not installed',
    });
  });

  it('stores like docker login (0600, other fields kept) and erases', async () => {
    const env = await configEnv({ psFormat: 'table', auths: { 'keep.example.com': { auth: b64('a:b') } } });
    const path = await storeCredential('docker.io', { username: 'me', password: 'pw' }, { env });
    expect(path).toBe(dockerConfigPath(env));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const doc = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    expect(doc).toEqual({
      psFormat: 'table',
      auths: {
        'keep.example.com': { auth: b64('a:b') },
        'https://index.docker.io/v1/': { auth: b64('me:pw') },
      },
    });
    expect(await eraseCredential('docker.io', { env })).toBe(true);
    expect(await eraseCredential('docker.io', { env })).toBe(false);
    expect(await lookupCredential('keep.example.com', { env })).toEqual({ username: 'a', password: 'b' });
  });

  it('an invalid config is one clear error', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'config.json'), '{not json');
    await expect(lookupCredential('ghcr.io', { env: { DOCKER_CONFIG: dir } })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: `${join(dir, 'config.json')} is not a valid Docker config (invalid JSON)`,
    });
  });
});
