import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageAnalysis } from '../../src/analyze/types.js';
import { writeTarball } from '../../src/publish/tarball.js';
import { cli } from '../helpers/cli.js';
import { exec } from '../helpers/exec.js';
import { alpineBase } from '../helpers/fixture-images.js';
import {
  AWS_ID,
  AWS_SECRET,
  DB_PASSWORD,
  GCP_API_KEY,
  GITHUB_TOKEN,
  SLACK_TOKEN,
} from '../helpers/secret-samples.js';
import { tempDir } from '../helpers/tmp.js';

const tag = randomBytes(4).toString('hex');
const BASE = `minnow-test-secrets/alpine:${tag}`;
const BUILT = `minnow-test-secrets/app:${tag}`;
const VALUES = [AWS_ID, AWS_SECRET, GITHUB_TOKEN, SLACK_TOKEN, GCP_API_KEY, DB_PASSWORD];

/** The files a careless build copies in, by path in the image, with the credential each holds. */
const FILES: Record<string, string> = {
  '/app/config.yaml': `aws:\n  key: ${AWS_ID}\n  region: eu-west-1\n`,
  '/app/settings.ini': `[aws]\naws_secret_access_key = ${AWS_SECRET}\n`,
  '/home/app/.gitconfig': `[github]\n\ttoken = ${GITHUB_TOKEN}\n`,
  '/srv/notify.json': JSON.stringify({ slack: SLACK_TOKEN }),
  '/srv/sa.json': JSON.stringify({
    type: 'service_account',
    project_id: 'p',
    private_key_id: 'k',
    private_key: 'elided',
  }),
  '/srv/maps.js': `const key = "${GCP_API_KEY}";\n`,
  '/app/db.properties': `db.user=app\ndb.password=${DB_PASSWORD}\n`,
};

describe('secrets in the files and config of an image built by the Engine', () => {
  let archive: string;
  beforeAll(async () => {
    const dir = await tempDir();
    await writeTarball(join(dir, 'alpine.tar'), await alpineBase(), { tags: [BASE] });
    await exec('docker', ['load', '-i', join(dir, 'alpine.tar')]);
    const ctx = join(dir, 'ctx');
    for (const [path, text] of Object.entries(FILES)) {
      await mkdir(join(ctx, 'files', path, '..'), { recursive: true });
      await writeFile(join(ctx, 'files', path), text);
    }
    await writeFile(
      join(ctx, 'Dockerfile'),
      [
        `FROM ${BASE}`,
        'COPY files/ /',
        `ENV DEPLOY_HOOK=${SLACK_TOKEN} PORT=8080`,
        `LABEL ci.key=${AWS_ID}`,
        'USER 1000:1000',
        '',
      ].join('\n'),
    );
    await exec('docker', ['build', '--network', 'none', '-q', '-t', BUILT, ctx]);
    archive = join(dir, 'app.tar');
    await exec('docker', ['save', '-o', archive, BUILT]);
  }, 180_000);
  afterAll(async () => {
    await exec('docker', ['rmi', '-f', BUILT, BASE]).catch(() => undefined);
  });

  it('names every file holding a credential and each config field, in every format, and never a value', async () => {
    const spec = `docker-archive:${archive}`;
    const runs = {
      text: await cli(['analyze', spec]),
      json: await cli(['analyze', spec, '--json']),
      markdown: await cli(['analyze', spec, '--markdown']),
      html: await cli(['analyze', spec, '--html', '-']),
      gate: await cli(['analyze', spec, '--fail-on', 'high', '--json']),
      spdx: await cli(['sbom', spec]),
      cyclonedx: await cli(['sbom', spec, '--format', 'cyclonedx-json']),
      daemon: await cli(['analyze', `daemon:${BUILT}`, '--json']),
    };
    const leaks: string[] = [];
    for (const [format, r] of Object.entries(runs)) {
      for (const v of VALUES) {
        if (r.out.includes(v) || r.err.includes(v)) leaks.push(`${format}: ${v.slice(0, 4)}…`);
      }
    }
    expect(leaks).toEqual([]);

    const a = JSON.parse(runs.json.out) as ImageAnalysis;
    const secrets = a.findings.find((f) => f.rule === 'MN-CF-004');
    expect(secrets?.paths).toEqual(Object.keys(FILES).sort());
    for (const kind of [
      'AWS access key',
      'AWS secret key',
      'GitHub token',
      'Slack token',
      'GCP API key',
      'GCP service account key',
      'high-entropy assignment',
    ]) {
      expect(secrets?.message).toContain(kind);
    }
    expect(a.findings.find((f) => f.rule === 'MN-CF-005')?.paths).toEqual([
      'config.Env.DEPLOY_HOOK',
      'config.Labels.ci.key',
    ]);
    const daemon = JSON.parse(runs.daemon.out) as ImageAnalysis;
    expect(daemon.findings.find((f) => f.rule === 'MN-CF-004')?.paths).toEqual(secrets?.paths);
    // Text and Markdown name the first paths of a finding and count the rest; HTML names them all.
    for (const format of ['text', 'markdown', 'html'] as const) {
      const named = format === 'html' ? Object.keys(FILES) : ['/app/config.yaml', '/app/db.properties'];
      for (const path of named) expect(runs[format].out, `${format} names ${path}`).toContain(path);
    }
    // The SBOM names the image as docker save tagged it, not after the tar file.
    const spdx = JSON.parse(runs.spdx.out) as {
      name: string;
      packages: { name: string; externalRefs: { referenceLocator: string }[] }[];
    };
    expect(spdx.name).toBe(BUILT);
    expect(spdx.packages[0]?.name).toBe(BUILT);
    expect(spdx.packages[0]?.externalRefs[0]?.referenceLocator).toMatch(
      /^pkg:oci\/app@sha256%3A[0-9a-f]{64}\?arch=amd64$/,
    );
    // The gate fails on the secrets, and says so, still without a value.
    expect(runs.gate.status).toBe(3);
    expect(runs.gate.out).toContain('MN-CF-004');
  });
});
