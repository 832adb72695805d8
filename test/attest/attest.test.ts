import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attachAttestations,
  generateKeyPair,
  listAttachments,
  verifyImage,
  type Signer,
} from '../../src/attest/index.js';
import { cosignTag } from '../../src/attest/cosign.js';
import { emptyImage, indexOf, mutate, writeLayer, type Image } from '../../src/oci/index.js';
import { referrersTag } from '../../src/publish/referrers.js';
import { pushImage } from '../../src/publish/registry.js';
import { RegistryClient } from '../../src/registry/client.js';
import { cli } from '../helpers/cli.js';
import { exec } from '../helpers/exec.js';
import { testImage } from '../helpers/images.js';
import { startReferrersRegistry, type ReferrersRegistry } from '../helpers/referrers-registry.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { cosignEnv, cosignKeyPair, cosignRunner } from '../helpers/cosign.js';

const EPOCH = '1700000000';

async function archImage(dir: string, architecture: string): Promise<Image> {
  const written = await writeLayer(
    [{ type: 'file', path: `/${architecture}`, source: Buffer.from(architecture) }],
    {
      blobDir: join(dir, 'blobs'),
      mtime: 0,
    },
  );
  return mutate(emptyImage({ os: 'linux', architecture }), {
    layers: [{ layer: written.layer }],
    config: (c) => ({ ...c, created: '1970-01-01T00:00:00Z' }),
  });
}

describe('attestations against the distribution registry (tag schema), cosign, oras and skopeo', () => {
  let reg: TestRegistry;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let signer: Signer;
  let pub: string;
  let client: RegistryClient;
  const cosign = cosignRunner(() => env);

  beforeAll(async () => {
    reg = await startRegistry();
    dir = await tempDir();
    env = cosignEnv(dir, 'test-pass', { SOURCE_DATE_EPOCH: EPOCH });
    // cosign's own key pair: minnow signs with cosign's encrypted key, cosign verifies.
    ({ pub, signer } = await cosignKeyPair(dir, env));
    client = new RegistryClient({ env });
  });
  afterAll(async () => {
    await client?.close();
    await reg?.stop();
  });

  it('a signed push verifies with cosign, oras discovers both referrers, skopeo still copies, a second run uploads nothing', async () => {
    const image = await testImage(dir, [{ type: 'file', path: '/a', source: Buffer.from('signed') }]);
    const ref = `${reg.host}/att/signed:v1`;
    await pushImage(ref, { kind: 'image', image }, { env });
    const first = await attachAttestations(ref, { kind: 'image', image }, { env, signer });
    expect(first.referrers.map((r) => [r.kind, r.mode])).toEqual([
      ['sbom-spdx', 'tag-schema'],
      ['provenance', 'tag-schema'],
    ]);
    await cosign(['verify', '--key', pub, ref]);
    const spdx = await cosign(['verify-attestation', '--key', pub, '--type', 'spdxjson', ref]);
    const slsa = await cosign(['verify-attestation', '--key', pub, '--type', 'slsaprovenance1', ref]);
    const payloadType = (out: string): string[] =>
      out
        .trim()
        .split('\n')
        .map(
          (l) =>
            (
              JSON.parse(
                Buffer.from((JSON.parse(l) as { payload: string }).payload, 'base64').toString(),
              ) as {
                predicateType: string;
              }
            ).predicateType,
        );
    expect(payloadType(spdx)).toContain('https://spdx.dev/Document');
    expect(payloadType(slsa)).toContain('https://slsa.dev/provenance/v1');

    const discovered = JSON.parse(
      await exec('oras', ['discover', '--plain-http', '--format', 'json', ref], { env }),
    ) as {
      referrers: { artifactType: string }[];
    };
    expect(discovered.referrers.map((r) => r.artifactType).sort()).toEqual([
      'application/spdx+json',
      'application/vnd.in-toto+json',
    ]);
    await exec('skopeo', [
      'copy',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      `docker://${ref}`,
      `docker://${reg.host}/att/copy:v1`,
    ]);

    const report = await verifyImage(ref, {
      publicKey: await readFile(pub, 'utf8'),
      env,
      requireProvenance: true,
    });
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.attestations.map((a) => a.predicateType).sort()).toEqual([
      'https://slsa.dev/provenance/v1',
      'https://spdx.dev/Document',
    ]);

    const again = await attachAttestations(ref, { kind: 'image', image }, { env, signer });
    expect(again.uploaded).toBe(0);
    expect(again.signatures.every((s) => !s.changed)).toBe(true);
    const listed = await listAttachments(ref, { env });
    const kinds = listed.manifests[0]!.referrers.map((r) => r.annotations?.['dev.minnow.attachment']);
    expect(kinds.sort()).toEqual(['provenance', 'sbom-spdx']);
    expect(listed.manifests[0]!.signatures).toBe(1);
    expect(listed.manifests[0]!.attestations.sort()).toEqual([
      'https://slsa.dev/provenance/v1',
      'https://spdx.dev/Document',
    ]);
  });

  it("a changed provenance replaces minnow's entry, and another tool's referrers stay", async () => {
    const image = await testImage(dir, [{ type: 'file', path: '/a', source: Buffer.from('others') }]);
    const ref = `${reg.host}/att/others:v1`;
    await pushImage(ref, { kind: 'image', image }, { env });
    await writeFile(join(dir, 'note.txt'), 'from another tool');
    await exec(
      'oras',
      ['attach', '--plain-http', '--artifact-type', 'application/vnd.example.note', ref, 'note.txt'],
      {
        env,
        cwd: dir,
      },
    );
    await attachAttestations(ref, { kind: 'image', image }, { env });
    await attachAttestations(
      ref,
      { kind: 'image', image },
      { env: { ...env, SOURCE_DATE_EPOCH: '1800000000' } },
    );
    const repo = { registry: reg.host, repository: 'att/others' };
    const index = JSON.parse(
      (await client.getManifest(repo, referrersTag(await image.digest()))).raw.toString(),
    ) as { manifests: { artifactType: string; annotations?: Record<string, string> }[] };
    expect(
      index.manifests.map((d) => d.annotations?.['dev.minnow.attachment'] ?? d.artifactType).sort(),
    ).toEqual(['application/vnd.example.note', 'provenance', 'sbom-spdx']);
  });

  it('a tampered attestation, a wrong key and a re-tagged unsigned image each fail with a clear line (exit 3)', async () => {
    const image = await testImage(dir, [{ type: 'file', path: '/a', source: Buffer.from('tamper') }]);
    const ref = `${reg.host}/att/tamper:v1`;
    await pushImage(ref, { kind: 'image', image }, { env });
    await attachAttestations(ref, { kind: 'image', image }, { env, signer });

    const other = generateKeyPair('other-pass');
    await writeFile(join(dir, 'other.pub'), other.publicKey);
    const wrong = await cli(['verify', ref, '--key', join(dir, 'other.pub')]);
    expect(wrong.status).toBe(3);
    expect(wrong.err).toMatch(/error: .*signature: no signature verifies with the key/);
    await expect(cosign(['verify', '--key', join(dir, 'other.pub'), ref])).rejects.toThrow();

    const unsigned = await testImage(dir, [{ type: 'file', path: '/a', source: Buffer.from('unsigned') }]);
    await pushImage(ref, { kind: 'image', image: unsigned }, { env });
    const retagged = await cli(['verify', ref, '--key', pub]);
    expect(retagged.status).toBe(3);
    expect(retagged.err).toContain(`signature: no signature for ${await unsigned.digest()}`);
    await pushImage(ref, { kind: 'image', image }, { env });

    // Tamper: change one byte of the provenance statement inside the signed envelope, keep the signature.
    const repo = { registry: reg.host, repository: 'att/tamper' };
    const digest = await image.digest();
    const att = JSON.parse((await client.getManifest(repo, cosignTag(digest, 'att'))).raw.toString()) as {
      layers: { digest: string; annotations: Record<string, string> }[];
    };
    const layer = att.layers.find((l) => l.annotations.predicateType === 'https://slsa.dev/provenance/v1')!;
    const blob = await client.openBlob(repo, { digest: layer.digest as never });
    const chunks: Buffer[] = [];
    for await (const c of blob) chunks.push(c as Buffer);
    const envelope = JSON.parse(Buffer.concat(chunks).toString()) as { payload: string };
    const statement = Buffer.from(envelope.payload, 'base64').toString().replace('"packages"', '"packagez"');
    envelope.payload = Buffer.from(statement).toString('base64');
    const { cosignImage, cosignLayer, readCosignLayers } = await import('../../src/attest/cosign.js');
    const layers = (await readCosignLayers(client, repo, digest, 'att')).map((l) =>
      l.descriptor.digest === layer.digest
        ? cosignLayer(
            l.descriptor.mediaType,
            Buffer.from(JSON.stringify(envelope)),
            l.descriptor.annotations ?? {},
          )
        : l,
    );
    await pushImage(
      { ...repo, tag: cosignTag(digest, 'att') },
      { kind: 'artifact', artifact: cosignImage(layers) },
      { env },
    );
    const tampered = await cli(['verify', ref, '--key', pub]);
    expect(tampered.status).toBe(3);
    expect(tampered.err).toMatch(
      /attestations: attestation \d of sha256:[0-9a-f]{12}: signature does not verify with the key/,
    );
    await expect(
      cosign(['verify-attestation', '--key', pub, '--type', 'slsaprovenance1', ref]),
    ).rejects.toThrow();
  });

  it('a two-platform index gets one SBOM and one provenance per platform; policies read the provenance', async () => {
    const d = join(dir, 'multi');
    const index = await indexOf([
      { image: await archImage(d, 'amd64'), platform: { os: 'linux', architecture: 'amd64' } },
      { image: await archImage(d, 'arm64'), platform: { os: 'linux', architecture: 'arm64' } },
    ]);
    const ref = `${reg.host}/att/multi:v1`;
    await pushImage(ref, { kind: 'index', index }, { env });
    const res = await attachAttestations(ref, { kind: 'index', index }, { env, signer });
    const byPlatform = new Map<string, string[]>();
    for (const r of res.referrers)
      byPlatform.set(r.platform, [...(byPlatform.get(r.platform) ?? []), r.kind]);
    expect(Object.fromEntries(byPlatform)).toEqual({
      'linux/amd64': ['sbom-spdx', 'provenance'],
      'linux/arm64': ['sbom-spdx', 'provenance'],
    });
    const listed = await listAttachments(ref, { env });
    expect(listed.manifests.map((m) => [m.platform ?? 'index', m.referrers.length])).toEqual([
      ['index', 0],
      ['linux/amd64', 2],
      ['linux/arm64', 2],
    ]);
    await cosign(['verify', '--key', pub, ref]);
    // The attestations describe each platform's image (its binary, its base): cosign checks them per digest.
    for (const m of (await index.indexManifest()).manifests) {
      const platformRef = `${reg.host}/att/multi@${m.digest}`;
      await cosign(['verify-attestation', '--key', pub, '--type', 'slsaprovenance1', platformRef]);
      await cosign(['verify-attestation', '--key', pub, '--type', 'spdxjson', platformRef]);
    }
    const ok = await verifyImage(ref, {
      publicKey: await readFile(pub, 'utf8'),
      env,
      requireProvenance: true,
    });
    expect(ok.checks.filter((c) => !c.ok)).toEqual([]);
    const policy = await verifyImage(ref, {
      publicKey: await readFile(pub, 'utf8'),
      env,
      sourceRepo: 'https://github.com/example/app',
    });
    expect(policy.checks.find((c) => c.name === 'source-repo')).toMatchObject({ ok: false });
  });
});

describe('attestations against a registry with the referrers API', () => {
  let reg: ReferrersRegistry;
  beforeAll(async () => {
    reg = await startReferrersRegistry();
  }, 600_000);
  afterAll(async () => reg?.stop());

  it('uses the API, and a second attach with a new provenance leaves one of each kind', async () => {
    const dir = await tempDir();
    const env = { ...process.env, HOME: dir, DOCKER_CONFIG: join(dir, 'dc'), SOURCE_DATE_EPOCH: EPOCH };
    const image = await testImage(dir, [{ type: 'file', path: '/a', source: Buffer.from('api') }]);
    const ref = `${reg.host}/api/app:v1`;
    await pushImage(ref, { kind: 'image', image }, { env });
    const first = await attachAttestations(ref, { kind: 'image', image }, { env });
    expect(first.referrers.map((r) => r.mode)).toEqual(['referrers-api', 'referrers-api']);
    const second = await attachAttestations(
      ref,
      { kind: 'image', image },
      { env: { ...env, SOURCE_DATE_EPOCH: '1800000000' } },
    );
    expect(second.referrers.map((r) => r.mode)).toEqual(['referrers-api', 'referrers-api']);
    const listed = await listAttachments(ref, { env });
    expect(listed.manifests[0]!.mode).toBe('referrers-api');
    expect(
      listed.manifests[0]!.referrers.map((r) => r.annotations?.['dev.minnow.attachment']).sort(),
    ).toEqual(['provenance', 'sbom-spdx']);
    // No tag-schema index is written when the registry has the API.
    const client = new RegistryClient({ env });
    try {
      expect(
        await client.headManifest(
          { registry: reg.host, repository: 'api/app' },
          referrersTag(await image.digest()),
        ),
      ).toBeUndefined();
    } finally {
      await client.close();
    }
    const discovered = JSON.parse(
      await exec('oras', ['discover', '--plain-http', '--format', 'json', ref], { env }),
    ) as {
      referrers: unknown[];
    };
    expect(discovered.referrers).toHaveLength(2);
  });
});
