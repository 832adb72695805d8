import { describe, expect, it } from 'vitest';
import { configFileFindings } from '../../src/analyze/rules/config-files.js';
import type { RuleContext } from '../../src/analyze/rules/context.js';
import type { FileInfo } from '../../src/analyze/types.js';
import { fileName } from '../../src/analyze/utilities.js';

const file = (path: string): FileInfo => ({
  path,
  type: 'file',
  size: 1,
  mode: 0o644,
  uid: 0,
  gid: 0,
  layer: 0,
});

/** The paths MN-CF-004 names among `paths`, each a regular file. */
function flagged(paths: string[]): string[] {
  const ctx = {
    entries: paths.map(file),
    config: {},
    analysis: { users: [] },
  } as unknown as RuleContext;
  return configFileFindings(ctx).find((f) => f.rule === 'MN-CF-004')?.paths ?? [];
}

describe('secret file names (MN-CF-004)', () => {
  it('flags each kind of secret by its name or path, and nothing that only resembles one', () => {
    const secret = [
      '/root/.ssh/id_rsa',
      '/home/u/.ssh/id_ed25519',
      '/app/.env',
      '/app/.env.production',
      '/app/credentials.json',
      '/home/u/.credentials',
      '/root/.git-credentials',
      '/root/.netrc',
      '/app/.npmrc',
      '/root/.pypirc',
      '/etc/nginx/.htpasswd',
      '/srv/tls.key',
      '/srv/store.p12',
      '/srv/app.jks',
      '/app/secrets.yaml',
      '/app/secret.env',
      '/root/.aws/credentials',
      '/home/u/.docker/config.json',
      '/root/.kube/config',
    ];
    const innocent = [
      '/root/.ssh/id_rsa.pub',
      '/app/.envrc',
      '/app/environment',
      '/app/credentials.yaml.example',
      '/usr/share/keys.txt',
      '/app/secrets.md',
      '/etc/docker/config.json',
      '/srv/kube/config',
      '/app/keystore.go',
    ];
    expect(flagged([...secret, ...innocent])).toEqual(secret);
  });

  it("takes an entry path's last part", () => {
    expect(['/a/b/c', '/top', '/a/.env'].map(fileName)).toEqual(['c', 'top', '.env']);
  });
});
