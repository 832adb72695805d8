import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attachAttestations,
  attachToLayout,
  generateKeyPair,
  keySigner,
  listAttachments,
  readPrivateKey,
  verifyImage,
  type Signer,
} from '../../src/attest/index.js';
import { cosignTag } from '../../src/attest/cosign.js';
import { registryTags, signImage } from '../../src/attest/sign.js';
import { artifactOf, type Artifact, type Descriptor, type Image } from '../../src/oci/index.js';
import { attachReferrer, listReferrers } from '../../src/publish/referrers.js';
import { writeLayout } from '../../src/publish/layout.js';
import { pushImage } from '../../src/publish/registry.js';
import { RegistryClient, type Repo } from '../../src/registry/client.js';
import { parseReference } from '../../src/registry/reference.js';
import { cli } from '../helpers/cli.js';
import { testImage } from '../helpers/images.js';
import { startReferrersRegistry, type ReferrersRegistry } from '../helpers/referrers-registry.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { cosignEnv, cosignKeyPair, cosignRunner } from '../helpers/cosign.js';

const execFileP = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/minnow.cjs', import.meta.url));

interface PushJson {
  digest: string;
  attachments?: {
    referrers: { subject: string; digest: string; artifactType: string; place: string }[];
    tags: { tag: string; action: string }[];
  };
}

/** The descriptor a referrer names as its subject. */
async function descriptorOf(image: Image): Promise<Descriptor> {
  return {
    mediaType: await image.mediaType(),
    digest: await image.digest(),
    size: (await image.rawManifest()).length,
  };
}

/** Another tool's small artifact about `subject` (a note, as `oras attach` would make). */
function noteOn(subject: Descriptor, text: string, annotations?: Record<string, string>): Artifact {
  return artifactOf({
    artifactType: 'application/vnd.example.note',
    layers: [{ mediaType: 'text/plain', data: Buffer.from(text) }],
    subject,
    ...(annotations ? { annotations } : {}),
  });
}

/** `minnow push --json SOURCE DESTINATION [more]`, which must succeed. */
async function push(args: string[]): Promise<PushJson> {
  const r = await cli(['push', '--json', ...args]);
  expect(r.err).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.out) as PushJson;
}

describe('minnow push copies what is attached to the image (attest/copy.ts), against real registries and cosign', () => {
  let plain: TestRegistry;
  let referrers: ReferrersRegistry;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let signer: Signer;
  let pub: string;
  let client: RegistryClient;
  const cosign = cosignRunner(() => env);

  beforeAll(async () => {
    [plain, referrers] = await Promise.all([startRegistry(), startReferrersRegistry()]);
    dir = await tempDir();
    env = cosignEnv(dir, 'pw');
    // cosign's own key pair: cosign checks what minnow copied.
    ({ pub, signer } = await cosignKeyPair(dir, env));
    client = new RegistryClient({ env });
  });
  afterAll(async () => {
    await client?.close();
    await Promise.all([plain?.stop(), referrers?.stop()]);
  });

  /** An image pushed to `ref` with minnow's signed SBOM and provenance, another tool's note and a note on it. */
  async function attached(ref: string, content: string): Promise<{ image: Image; extra: string[] }> {
    const image = await testImage(dir, [{ type: 'file', path: '/a', source: Buffer.from(content) }]);
    await pushImage(ref, { kind: 'image', image }, { env, client });
    await attachAttestations(ref, { kind: 'image', image }, { env, client, signer });
    const { registry, repository } = parseReference(ref);
    const repo: Repo = { registry, repository };
    const subject = await descriptorOf(image);
    const first = await attachReferrer(repo, noteOn(subject, `a note on ${content}`), { client });
    const second = await attachReferrer(repo, noteOn(first.descriptor, 'a note on the note'), { client });
    return { image, extra: [first.descriptor.digest, second.descriptor.digest] };
  }

  it('tag schema -> referrers API: referrers (nested too), signature and attestations verify with cosign there; again, nothing new', async () => {
    const src = `${plain.host}/copy/src:v1`;
    const { image, extra } = await attached(src, 'promote me');
    const digest = await image.digest();
    const dst = `${referrers.host}/copy/dst:v1`;

    const first = await push([src, dst]);
    expect(first.digest).toBe(digest);
    const copied = first.attachments!;
    expect(copied.referrers.map((r) => r.artifactType).sort()).toEqual([
      'application/spdx+json',
      'application/vnd.example.note',
      'application/vnd.example.note',
      'application/vnd.in-toto+json',
    ]);
    expect(copied.referrers.every((r) => r.place === 'referrers-api')).toBe(true);
    // The note on the note names the note, not the image.
    expect(copied.referrers.find((r) => r.digest === extra[1])?.subject).toBe(extra[0]);
    expect(copied.tags).toEqual([
      { tag: cosignTag(digest, 'att'), action: 'copied' },
      { tag: cosignTag(digest, 'sig'), action: 'copied' },
    ]);

    // What the source had, the destination has, byte for byte (same digests), through its referrers API.
    const dstRepo = { registry: referrers.host, repository: 'copy/dst' };
    const srcRepo = { registry: plain.host, repository: 'copy/src' };
    const digests = async (repo: Repo, subject: string): Promise<string[]> =>
      (await listReferrers(client, repo, subject as never)).referrers.map((d) => d.digest).sort();
    expect(await digests(dstRepo, digest)).toEqual(await digests(srcRepo, digest));
    expect(await digests(dstRepo, extra[0]!)).toEqual([extra[1]]);
    await cosign(['verify', '--key', pub, dst]);
    await cosign(['verify-attestation', '--key', pub, '--type', 'slsaprovenance1', dst]);
    const report = await verifyImage(dst, {
      publicKey: await readFile(pub, 'utf8'),
      env,
      requireProvenance: true,
    });
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);

    const again = await push([src, dst]);
    expect(again.attachments!.tags.map((t) => t.action)).toEqual(['present', 'present']);
    expect(await digests(dstRepo, digest)).toEqual(await digests(srcRepo, digest));

    // --no-attachments: the image alone.
    const bare = await cli(['push', '-q', '--no-attachments', src, `${referrers.host}/copy/bare:v1`]);
    expect(bare.status).toBe(0);
    const listed = await listAttachments(`${referrers.host}/copy/bare:v1`, { env });
    expect(listed.manifests[0]!.referrers).toEqual([]);
    expect(listed.manifests[0]!.signatures).toBe(0);
  });

  it('an OCI layout -> tag schema: the referrers its index.json lists, one entry each in the sha256-<hex> index', async () => {
    const image = await testImage(dir, [{ type: 'file', path: '/a', source: Buffer.from('from a layout') }]);
    const layout = join(dir, 'layout');
    await writeLayout(layout, { kind: 'image', image }, { tag: 'v1' });
    const made = await attachToLayout(layout, 'example.test/app', { kind: 'image', image });
    expect(made.referrers).toHaveLength(2);
    const dst = `${plain.host}/copy/from-layout:v1`;
    const r = await cli(['push', `oci:${layout}:v1`, dst]);
    expect(r.status).toBe(0);
    // The one line beside the reference says what came along.
    expect(r.err).toContain('attachments: 2 referrers\n');
    const listed = await listReferrers(
      client,
      { registry: plain.host, repository: 'copy/from-layout' },
      await image.digest(),
    );
    expect(listed.mode).toBe('tag-schema');
    expect(listed.referrers.map((d) => d.digest).sort()).toEqual(made.referrers.map((m) => m.digest).sort());
    await cli(['push', `oci:${layout}:v1`, dst]);
    const again = await listReferrers(
      client,
      { registry: plain.host, repository: 'copy/from-layout' },
      await image.digest(),
    );
    expect(again.referrers).toHaveLength(2);
  });

  it('a referrer whose bytes do not match its digest is not copied: one line saying the image is pushed, exit 1', async () => {
    const image = await testImage(dir, [{ type: 'file', path: '/a', source: Buffer.from('tampered') }]);
    const layout = join(dir, 'tampered');
    await writeLayout(layout, { kind: 'image', image }, { tag: 'v1' });
    const made = await attachToLayout(
      layout,
      'example.test/app',
      { kind: 'image', image },
      { provenance: false },
    );
    const sbom = made.referrers[0]!.digest;
    const file = join(layout, 'blobs', 'sha256', sbom.slice('sha256:'.length));
    await writeFile(file, `${await readFile(file, 'utf8')} `);
    const dst = `${plain.host}/copy/tampered:v1`;
    const r = await cli(['push', '-q', `oci:${layout}:v1`, dst]);
    expect(r.status).toBe(1);
    expect(r.err).toMatch(
      new RegExp(
        `^error: pushed ${plain.host}/copy/tampered@${await image.digest()}, but not all of its attachments: manifest ${sbom}: content hashes to sha256:[0-9a-f]{64}, want ${sbom}\nhint: --no-attachments pushes the image alone\n$`,
      ),
    );
    const listed = await listReferrers(
      client,
      { registry: plain.host, repository: 'copy/tampered' },
      await image.digest(),
    );
    expect(listed.referrers).toEqual([]);
  });

  it('a source listing more referrers of an image than are copied is refused before any is read or written', async () => {
    const image = await testImage(dir, [{ type: 'file', path: '/a', source: Buffer.from('too many') }]);
    const layout = join(dir, 'too-many');
    await writeLayout(layout, { kind: 'image', image }, { tag: 'v1' });
    const subject = await descriptorOf(image);
    // 300 small referrers, written as a layout holds them (their manifests as blobs, each listed in index.json).
    const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: unknown[] };
    for (let i = 0; i < 300; i++) {
      const note = noteOn(subject, `note ${i}`);
      const raw = await note.rawManifest();
      const digest = await note.digest();
      await writeFile(join(layout, 'blobs', 'sha256', digest.slice('sha256:'.length)), raw);
      index.manifests.push({
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest,
        size: raw.length,
      });
    }
    await writeFile(join(layout, 'index.json'), JSON.stringify(index));
    const dst = `${plain.host}/copy/too-many:v1`;
    const r = await cli(['push', '-q', `oci:${layout}:v1`, dst]);
    expect(r.status).toBe(1);
    expect(r.err).toContain(`lists 300 referrers of ${await image.digest()}, more than the 256 copied`);
    const listed = await listReferrers(
      client,
      { registry: plain.host, repository: 'copy/too-many' },
      await image.digest(),
    );
    expect(listed.referrers).toEqual([]);
  });

  it("attestations prints a referrer's annotation from a layout escaped: no terminal control reaches the screen", async () => {
    const image = await testImage(dir, [{ type: 'file', path: '/a', source: Buffer.from('hostile note') }]);
    const layout = join(dir, 'hostile');
    await writeLayout(layout, { kind: 'image', image }, { tag: 'v1' });
    const subject = await descriptorOf(image);
    const note = noteOn(subject, 'x', { 'dev.minnow.attachment': 'sbom\u001b[2J\u001b]0;owned\u0007' });
    await writeLayout(layout, { kind: 'artifact', artifact: note });
    const r = await cli(['attestations', `oci:${layout}:v1`]);
    expect(r.status).toBe(0);
    expect(r.out).toContain('referrer sbom\\x1b[2J\\x1b]0;owned\\x07 sha256:');
    expect(r.out).not.toContain('\u001b');
  });

  it('registry -> OCI layout -> registry (an air gap): everything comes through, and cosign verifies at the end', async () => {
    const src = `${plain.host}/copy/gap:v1`;
    const { image, extra } = await attached(src, 'across the gap');
    const digest = await image.digest();
    const layout = join(dir, 'gap');
    const there = await push([src, `oci:${layout}:v1`]);
    expect(there.attachments!.referrers.map((r) => r.place)).toEqual([
      'layout',
      'layout',
      'layout',
      'layout',
    ]);
    expect(there.attachments!.tags.map((t) => t.action)).toEqual(['copied', 'copied']);
    const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as {
      manifests: { digest: string; annotations?: Record<string, string> }[];
    };
    const tags = index.manifests
      .map((d) => d.annotations?.['org.opencontainers.image.ref.name'])
      .filter(Boolean);
    expect(tags.sort()).toEqual([cosignTag(digest, 'att'), cosignTag(digest, 'sig'), 'v1']);
    expect(index.manifests.map((d) => d.digest)).toEqual(expect.arrayContaining(extra));
    // Again into the layout: nothing new, no entry twice.
    expect((await push([src, `oci:${layout}:v1`])).attachments!.tags.map((t) => t.action)).toEqual([
      'present',
      'present',
    ]);
    const again = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: unknown[] };
    expect(again.manifests).toHaveLength(index.manifests.length);

    const dst = `${referrers.host}/copy/gap:v1`;
    const back = await push([`oci:${layout}:v1`, dst]);
    expect(back.attachments!.referrers).toHaveLength(4);
    await cosign(['verify', '--key', pub, dst]);
    await cosign(['verify-attestation', '--key', pub, '--type', 'spdxjson', dst]);
  });

  it("keeps the destination's other signatures: the source's are added, and both keys verify with cosign", async () => {
    const src = `${plain.host}/copy/signed:v1`;
    const { image } = await attached(src, 'signed twice');
    const digest = await image.digest();
    const dst = `${plain.host}/copy/signed-there:v1`;
    await pushImage(dst, { kind: 'image', image }, { env, client });
    // Someone signed the image at the destination already, with another key.
    const other = generateKeyPair('other');
    const otherPub = join(dir, 'other.pub');
    await writeFile(otherPub, other.publicKey);
    const dstRepo = { registry: plain.host, repository: 'copy/signed-there' };
    await signImage(
      registryTags(client, dstRepo),
      dst,
      digest,
      keySigner(readPrivateKey(other.privateKey, 'other')),
    );

    const copied = await push([src, dst]);
    expect(copied.attachments!.tags).toEqual([
      { tag: cosignTag(digest, 'att'), action: 'copied' },
      { tag: cosignTag(digest, 'sig'), action: 'merged' },
    ]);
    await cosign(['verify', '--key', pub, dst]);
    await cosign(['verify', '--key', otherPub, dst]);
    expect((await push([src, dst])).attachments!.tags.map((t) => t.action)).toEqual(['present', 'present']);
  });

  it('push --sign-key --sbom-format (the CLI process: the whole bundle) signs and attests what it pushed; a bad key pushes nothing', async () => {
    const image = await testImage(dir, [{ type: 'file', path: '/a', source: Buffer.from('sign on push') }]);
    const layout = join(dir, 'to-sign');
    await writeLayout(layout, { kind: 'image', image }, { tag: 'v1' });
    const dst = `${plain.host}/copy/signed-on-push:v1`;
    const bin = (args: string[], password = 'pw') =>
      execFileP(process.execPath, [BIN, 'push', ...args], {
        env: { ...env, COSIGN_PASSWORD: password, MINNOW_CACHE_DIR: join(dir, 'cache') },
      });

    // A wrong password: one line (and its hint), exit 2, and nothing was pushed.
    const refused = await bin(['--sign-key', join(dir, 'cosign.key'), `oci:${layout}:v1`, dst], 'wrong').then(
      () => undefined,
      (err: { code?: number; stderr?: string }) => err,
    );
    expect(refused?.code).toBe(2);
    expect(refused?.stderr).toMatch(/^error: .*wrong password for the private key\nhint: /);
    expect(
      await client.headManifest({ registry: plain.host, repository: 'copy/signed-on-push' }, 'v1'),
    ).toBeUndefined();

    const { stdout } = await bin([
      '-q',
      '--sign-key',
      join(dir, 'cosign.key'),
      '--sbom-format',
      'spdx-json',
      `oci:${layout}:v1`,
      dst,
    ]);
    expect(stdout.trim()).toBe(`${plain.host}/copy/signed-on-push@${await image.digest()}`);
    await cosign(['verify', '--key', pub, dst]);
    await cosign(['verify-attestation', '--key', pub, '--type', 'spdxjson', dst]);
    const listed = await listAttachments(dst, { env });
    expect(listed.manifests[0]!.referrers.map((r) => r.annotations?.['dev.minnow.attachment'])).toEqual([
      'sbom-spdx',
    ]);

    // An SBOM format minnow does not write: one line, exit 2, nothing pushed.
    const badFormat = await bin([
      '--sbom-format',
      'spdx-tag',
      `oci:${layout}:v1`,
      `${plain.host}/copy/bad-format:v1`,
    ]).then(
      () => undefined,
      (err: { code?: number; stderr?: string }) => err,
    );
    expect(badFormat?.code).toBe(2);
    expect(badFormat?.stderr).toMatch(
      /^error: invalid SBOM format "spdx-tag": want spdx-json or cyclonedx-json\n/,
    );
    expect(
      await client.headManifest({ registry: plain.host, repository: 'copy/bad-format' }, 'v1'),
    ).toBeUndefined();

    // Only a registry keeps signatures: asked for elsewhere, one line and exit 2.
    const elsewhere = await bin([
      '--sign-key',
      join(dir, 'cosign.key'),
      `oci:${layout}:v1`,
      `oci:${join(dir, 'copy2')}:v1`,
    ]).then(
      () => undefined,
      (err: { code?: number; stderr?: string }) => err,
    );
    expect(elsewhere?.code).toBe(2);
    expect(elsewhere?.stderr).toContain('--sign-key applies to registry destinations');
  });
});
