import { execFile } from 'node:child_process';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec } from '../helpers/exec.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';

const BIN = fileURLToPath(new URL('../../bin/minnow.cjs', import.meta.url));
const HELLO = fileURLToPath(new URL('../../examples/hello/', import.meta.url));

/** The CLI as a process: its exit status and what it printed. */
function minnow(
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string },
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [BIN, ...args], options, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("minnow.yaml's attest block: the key and formats a team sets once, used by every build --push", () => {
  let reg: TestRegistry;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    reg = await startRegistry();
    dir = join(await tempDir(), 'hello');
    await cp(HELLO, dir, { recursive: true });
    env = { ...process.env, COSIGN_PASSWORD: 'config-pass', SOURCE_DATE_EPOCH: '1700000000' };
    await mkdir(join(dir, 'keys'));
    await exec('node', [BIN, 'generate-key-pair', '--output-key-prefix', join(dir, 'keys', 'team')], { env });
    await writeFile(
      join(dir, 'minnow.yaml'),
      ['attest:', '  sbom: cyclonedx-json', '  provenance: false', '  signKey: keys/team.key', ''].join('\n'),
    );
  }, 120_000);
  afterAll(async () => {
    await reg?.stop();
  });

  it('signs with the configured key (relative to the file), attaches the configured SBOM and no provenance', async () => {
    const ref = `${reg.host}/cfg/hello:v1`;
    // Run from elsewhere: the key path is the config file's, not the working directory's.
    await exec('node', [BIN, 'build', dir, '--push', ref, '--insecure-registry', reg.host, '-q'], {
      env,
      cwd: join(dir, '..'),
    });
    const cosign = (args: string[]): Promise<string> =>
      exec(
        'cosign',
        [
          ...args,
          '--key',
          join(dir, 'keys', 'team.pub'),
          '--insecure-ignore-tlog',
          '--allow-http-registry',
          ref,
        ],
        {
          env,
        },
      );
    await cosign(['verify']);
    await cosign(['verify-attestation', '--type', 'cyclonedx']);
    await expect(cosign(['verify-attestation', '--type', 'slsaprovenance1'])).rejects.toThrow();
    const discovered = JSON.parse(
      await exec('oras', ['discover', '--plain-http', '--format', 'json', ref], { env }),
    ) as { referrers: { artifactType: string }[] };
    expect(discovered.referrers.map((r) => r.artifactType)).toEqual(['application/vnd.cyclonedx+json']);
    // A flag wins over the file: --provenance stays off, --sbom none turns the SBOM off too.
    const ref2 = `${reg.host}/cfg/hello:v2`;
    await exec(
      'node',
      // --env makes another image: the same bytes would be the same digest, with v1's referrers.
      [
        BIN,
        'build',
        dir,
        '--push',
        ref2,
        '--insecure-registry',
        reg.host,
        '--sbom',
        'none',
        '--env',
        'V=2',
        '-q',
      ],
      {
        env,
      },
    );
    const none = JSON.parse(
      await exec('oras', ['discover', '--plain-http', '--format', 'json', ref2], { env }),
    ) as { referrers: unknown[] | null };
    expect(none.referrers ?? []).toEqual([]);
  }, 300_000);

  it('resolve proves what it pushes the same way: signed, the configured SBOM attached', async () => {
    await writeFile(
      join(dir, 'minnow.yaml'),
      ['attest:', '  sbom: cyclonedx-json', '  provenance: false', '  signKey: keys/team.key', ''].join('\n'),
    );
    await writeFile(
      join(dir, 'deploy.yaml'),
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: hello\nspec:\n  containers:\n    - name: hello\n      image: minnow://.\n',
    );
    const r = await minnow(
      [
        'resolve',
        '-f',
        join(dir, 'deploy.yaml'),
        '-C',
        dir,
        '--repo',
        `${reg.host}/res`,
        '--insecure-registry',
        reg.host,
        // Another image than the build tests': its referrers can only come from this resolve.
        '--base',
        'scratch',
      ],
      { env },
    );
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const image = /image: (\S+@sha256:[0-9a-f]{64})/.exec(r.stdout)?.[1];
    expect(image).toBeDefined();
    await exec(
      'cosign',
      [
        'verify-attestation',
        '--type',
        'cyclonedx',
        '--key',
        join(dir, 'keys', 'team.pub'),
        '--insecure-ignore-tlog',
        '--allow-http-registry',
        image!,
      ],
      { env },
    );
    const discovered = JSON.parse(
      await exec('oras', ['discover', '--plain-http', '--format', 'json', image!], { env }),
    ) as { referrers: { artifactType: string }[] };
    expect(discovered.referrers.map((x) => x.artifactType)).toEqual(['application/vnd.cyclonedx+json']);
  }, 300_000);

  it('a key the file names that is not there: one line naming it, exit 1, nothing pushed', async () => {
    await writeFile(join(dir, 'minnow.yaml'), 'attest:\n  signKey: keys/absent.key\n');
    const ref = `${reg.host}/cfg/hello:v3`;
    const r = await minnow(['build', dir, '--push', ref, '--insecure-registry', reg.host, '--env', 'V=3'], {
      env,
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')[0]).toBe(
      `error: cannot read the signing key ${join(dir, 'keys', 'absent.key')}`,
    );
    // The key is read before any push: the tag was never written.
    await expect(exec('crane', ['manifest', '--insecure', ref], { env })).rejects.toThrow();
  }, 300_000);

  it('a wrong COSIGN_PASSWORD: one line naming the key, no password printed, nothing pushed', async () => {
    await writeFile(join(dir, 'minnow.yaml'), 'attest:\n  signKey: keys/team.key\n');
    const ref = `${reg.host}/cfg/hello:v4`;
    const r = await minnow(['build', dir, '--push', ref, '--insecure-registry', reg.host, '--env', 'V=4'], {
      env: { ...env, COSIGN_PASSWORD: 'not-the-password' },
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')[0]).toBe(
      `error: ${join(dir, 'keys', 'team.key')}: wrong password for the private key`,
    );
    expect(r.stderr + r.stdout).not.toContain('not-the-password');
    await expect(exec('crane', ['manifest', '--insecure', ref], { env })).rejects.toThrow();
  }, 300_000);

  it('a misspelt key in the block is a config error with its line (exit 2)', async () => {
    await writeFile(join(dir, 'minnow.yaml'), 'attest:\n  signkey: keys/team.key\n');
    const r = await minnow(['build', dir, '-q'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/minnow\.yaml:2:\d+.*signkey/);
  }, 120_000);
});
