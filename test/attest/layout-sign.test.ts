import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosignTag } from '../../src/attest/cosign.js';
import { artifactOf, type Digest } from '../../src/oci/index.js';
import { writeLayout } from '../../src/publish/layout.js';
import { exec } from '../helpers/exec.js';
import { copyHello } from '../go/go-fixtures.js';
import { startReferrersRegistry, type ReferrersRegistry } from '../helpers/referrers-registry.js';
import { tempDir } from '../helpers/tmp.js';
import { cosignEnv, cosignKeyPair } from '../helpers/cosign.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/minnow.cjs', import.meta.url));

interface LayoutIndex {
  manifests: { digest: string; artifactType?: string; annotations?: Record<string, string> }[];
}

describe('minnow build -o oci: --sign-key: the layout carries signed SBOM and provenance, and push takes them on', () => {
  let reg: ReferrersRegistry;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    reg = await startReferrersRegistry();
    dir = await tempDir();
    env = cosignEnv(dir, 'pw', {
      MINNOW_CACHE_DIR: join(dir, 'cache'),
      SOURCE_DATE_EPOCH: '1700000000',
      // go's caches stay the machine's (HOME is the test's, for cosign): hello compiles from the warm cache.
      GOCACHE: (await run('go', ['env', 'GOCACHE'])).stdout.trim(),
      GOMODCACHE: (await run('go', ['env', 'GOMODCACHE'])).stdout.trim(),
    });
    await cosignKeyPair(dir, env);
  });
  afterAll(async () => {
    await reg?.stop();
  });

  it('builds, signs into the layout, keeps one set per image across rebuilds, and verifies with cosign once pushed', async () => {
    const app = await copyHello(join(dir, 'hello'));
    const layout = join(dir, 'out');
    const build = (password = 'pw') =>
      run(
        process.execPath,
        [BIN, 'build', '-q', '-o', `oci:${layout}:v1`, '--sign-key', join(dir, 'cosign.key')],
        {
          cwd: app,
          env: { ...env, COSIGN_PASSWORD: password },
        },
      );
    const index = async (): Promise<LayoutIndex> =>
      JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as LayoutIndex;

    // A wrong password fails before the layout is written.
    const refused = await build('wrong').then(
      () => undefined,
      (err: { code?: number; stderr?: string }) => err,
    );
    expect(refused?.code).toBe(2);
    expect(refused?.stderr).toMatch(/^error: .*wrong password/);
    expect(await readdir(dir)).not.toContain('out');

    const first = (await build()).stdout.trim();
    const shape = (i: LayoutIndex): string[] =>
      i.manifests
        .map((d) => d.annotations?.['org.opencontainers.image.ref.name'] ?? d.artifactType ?? '?')
        .sort();
    /** The image under v1, its SBOM and provenance referrers, and cosign's two tags of it: nothing else. */
    const signedShape = (digest: string): string[] => [
      'application/spdx+json',
      'application/vnd.in-toto+json',
      cosignTag(digest as never, 'att'),
      cosignTag(digest as never, 'sig'),
      'v1',
    ];
    expect(shape(await index())).toEqual(signedShape(first));

    // An edit: a new image under v1; the old one's attachments leave with it.
    const main = join(app, 'main.go');
    await writeFile(
      main,
      (await readFile(main, 'utf8')).replace('smallest Go container!', 'smallest Go container! (2)'),
    );
    const second = (await build()).stdout.trim();
    expect(second).not.toBe(first);
    expect(shape(await index())).toEqual(signedShape(second));

    // Checked in the layout itself, before any push: the key verifies, another key does not (exit 3).
    const verifyLayout = (key: string) =>
      run(
        process.execPath,
        [BIN, 'verify', `oci:${layout}:v1`, '--key', key, '--require-provenance', '--json'],
        {
          env,
        },
      );
    const local = JSON.parse((await verifyLayout(join(dir, 'cosign.pub'))).stdout) as {
      digest: string;
      checks: { ok: boolean }[];
    };
    expect(local.digest).toBe(second);
    expect(local.checks.filter((c) => !c.ok)).toEqual([]);
    const listed = JSON.parse(
      (await run(process.execPath, [BIN, 'attestations', `oci:${layout}:v1`, '--json'], { env })).stdout,
    ) as { manifests: { mode: string; referrers: unknown[]; signatures: number; attestations: string[] }[] };
    expect(
      listed.manifests.map((m) => [m.mode, m.referrers.length, m.signatures, m.attestations.sort()]),
    ).toEqual([['layout', 2, 1, ['https://slsa.dev/provenance/v1', 'https://spdx.dev/Document']]]);
    // minnow sbom reads the SBOM the build attached (named as the build named the image), not one computed anew.
    const sbom = JSON.parse(
      (await run(process.execPath, [BIN, 'sbom', `oci:${layout}:v1`], { env })).stdout,
    ) as { name: string };
    expect(sbom.name).toBe(`hello@${second}`);
    const { generateKeyPair } = await import('../../src/attest/keys.js');
    await writeFile(join(dir, 'other.pub'), generateKeyPair('x').publicKey);
    const wrong = await verifyLayout(join(dir, 'other.pub')).then(
      () => undefined,
      (err: { code?: number }) => err,
    );
    expect(wrong?.code).toBe(3);

    const ref = `${reg.host}/signed/hello:v1`;
    const pushed = await run(process.execPath, [BIN, 'push', '-q', `oci:${layout}:v1`, ref], { env });
    expect(pushed.stdout.trim()).toBe(`${reg.host}/signed/hello@${second}`);
    const cosign = (args: string[]): Promise<string> =>
      exec(
        'cosign',
        [...args, '--key', join(dir, 'cosign.pub'), '--insecure-ignore-tlog', '--allow-http-registry', ref],
        { env },
      );
    await cosign(['verify']);
    await cosign(['verify-attestation', '--type', 'slsaprovenance1']);
    await cosign(['verify-attestation', '--type', 'spdxjson']);
    const verified = await run(
      process.execPath,
      [BIN, 'verify', ref, '--key', join(dir, 'cosign.pub'), '--require-provenance', '--json'],
      { env },
    );
    expect(
      (JSON.parse(verified.stdout) as { checks: { ok: boolean }[] }).checks.filter((c) => !c.ok),
    ).toEqual([]);
  });

  it('an unsigned rebuild under the tag takes the attachments of the image it replaced along, unless another tag holds it', async () => {
    const app = await copyHello(join(dir, 'hello-unsigned'));
    const layout = join(dir, 'out-unsigned');
    const build = (tag: string, sign: boolean) =>
      run(
        process.execPath,
        [
          BIN,
          'build',
          '-q',
          '-o',
          `oci:${layout}:${tag}`,
          ...(sign ? ['--sign-key', join(dir, 'cosign.key')] : []),
        ],
        { cwd: app, env },
      );
    const entries = async (): Promise<LayoutIndex['manifests']> =>
      (JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as LayoutIndex).manifests;
    const attachedTo = async (digest: string): Promise<number> => {
      let n = 0;
      for (const d of await entries()) {
        const tag = d.annotations?.['org.opencontainers.image.ref.name'] ?? '';
        if (tag.startsWith(digest.replace(':', '-'))) n++;
        else if (d.artifactType) {
          const m = JSON.parse(await readFile(join(layout, 'blobs', ...d.digest.split(':')), 'utf8')) as {
            subject?: { digest: string };
          };
          if (m.subject?.digest === digest) n++;
        }
      }
      return n;
    };

    const signed = (await build('v1', true)).stdout.trim();
    await build('keep', true);
    expect(await attachedTo(signed)).toBe(4); // SBOM, provenance, .sig, .att
    // A referrer someone else put in the layout, for an image kept elsewhere: never minnow's to remove.
    const note = artifactOf({
      artifactType: 'application/vnd.example.note',
      layers: [{ mediaType: 'text/plain', data: Buffer.from('kept elsewhere') }],
      subject: {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: `sha256:${'1'.repeat(64)}` as Digest,
        size: 2,
      },
    });
    await writeLayout(layout, { kind: 'artifact', artifact: note });
    const foreign = await note.digest();

    const main = join(app, 'main.go');
    await writeFile(
      main,
      (await readFile(main, 'utf8')).replace('smallest Go container!', 'smallest Go container! (unsigned)'),
    );
    // v1 moves on, unsigned: the signed image is still under keep, and keeps all it had.
    const unsigned = (await build('v1', false)).stdout.trim();
    expect(unsigned).not.toBe(signed);
    expect(await attachedTo(signed)).toBe(4);
    expect(await attachedTo(unsigned)).toBe(0);
    // keep moves on too: nothing holds the signed image, and its attachments go with it; the foreign one stays.
    expect((await build('keep', false)).stdout.trim()).toBe(unsigned);
    expect(await attachedTo(signed)).toBe(0);
    const left = (await entries()).map(
      (d) => d.annotations?.['org.opencontainers.image.ref.name'] ?? d.digest,
    );
    expect(left.sort()).toEqual(['keep', foreign, 'v1'].sort());
  });
});
