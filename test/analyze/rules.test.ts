import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeImage } from '../../src/analyze/analyze.js';
import { IMAGE_RULES } from '../../src/analyze/rules/index.js';
import type { ImageAnalysis } from '../../src/analyze/types.js';
import { isRootUser, parseUsers } from '../../src/analyze/users.js';
import { exec } from '../helpers/exec.js';
import {
  AWS_ID,
  AWS_SECRET,
  DB_PASSWORD,
  GCP_API_KEY as GCP,
  GITHUB_TOKEN as GH,
  SLACK_TOKEN as SLACK,
} from '../helpers/secret-samples.js';
import { imageOfLayers, type Member } from '../helpers/tar-layers.js';
import { tempDir } from '../helpers/tmp.js';

const exe = (name: string, data = '#!/bin/true\n', mode = 0o755): Member => ({
  header: { name, mode },
  data,
});

describe('attack-surface rules', () => {
  let a: ImageAnalysis;
  const finding = (rule: string) => a.findings.find((f) => f.rule === rule);
  beforeAll(async () => {
    const dir = await tempDir();
    // A real Go binary that needs a dynamic loader (PIE).
    const src = join(dir, 'src');
    await mkdir(src);
    await writeFile(join(src, 'go.mod'), 'module example.com/pie\n\ngo 1.21\n');
    await writeFile(join(src, 'main.go'), 'package main\n\nfunc main() {}\n');
    await exec('go', ['build', '-buildmode=pie', '-o', join(dir, 'pie'), '.'], {
      cwd: src,
      env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod', GOPROXY: 'off' },
    });
    const pie = await readFile(join(dir, 'pie'));
    const image = await imageOfLayers(
      dir,
      [
        [
          {
            header: { name: 'etc/passwd', mode: 0o644 },
            data: 'root:x:0:0:root:/root:/bin/bash\napp::1000:1000::/home/app:/sbin/nologin\nsvc:x:999:999::/:/usr/sbin/nologin\n',
          },
          {
            header: { name: 'etc/shadow', mode: 0o640 },
            data: 'root:*:19000:0:99999:7:::\nsvc::19000::::::\n',
          },
          {
            header: { name: 'lib/apk/db/installed', mode: 0o644 },
            data: 'P:musl\nV:1.2.4-r2\nA:x86_64\nL:MIT\n\n',
          },
          exe('bin/bash'),
          exe('bin/busybox', 'busybox binary'),
          { header: { name: 'bin/ls', type: 'symlink', linkname: 'busybox' } },
          { header: { name: 'bin/nc', type: 'symlink', linkname: '/bin/busybox' } },
          exe('usr/bin/apt-get'),
          exe('usr/bin/gdb'),
          exe('usr/bin/curl'),
          exe('usr/bin/gcc'),
          exe('usr/bin/sudo', 'sudo', 0o4755),
          exe('usr/bin/wall', 'wall', 0o2755),
          {
            header: {
              name: 'usr/bin/ping',
              mode: 0o755,
              pax: { 'SCHILY.xattr.security.capability': '\u0001\u0000\u0000\u0002' },
            },
            data: 'ping',
          },
          { header: { name: 'data/', type: 'directory', mode: 0o777 } },
          { header: { name: 'tmp/', type: 'directory', mode: 0o1777 } },
          { header: { name: 'etc/app.conf', mode: 0o666 }, data: 'x=1' },
          { header: { name: 'app/.env', mode: 0o600 }, data: 'DB=1' },
          { header: { name: 'root/.aws/credentials', mode: 0o600 }, data: '[default]' },
          { header: { name: 'srv/tls.pem', mode: 0o600 }, data: '-----BEGIN EC PRIVATE KEY-----\nMHc...\n' },
          { header: { name: 'etc/ssl/certs/ca.pem', mode: 0o644 }, data: '-----BEGIN CERTIFICATE-----\n' },
          { header: { name: 'app/server', mode: 0o755 }, data: pie },
        ],
      ],
      {
        Env: [
          'PATH=/bin',
          'DB_PASSWORD=hunter2',
          'GITHUB_TOKEN=ghp_x',
          'SECRET_FILE=/run/secret',
          'AUTH_URL=https://x',
        ],
        ExposedPorts: { '8080/tcp': {}, '22/tcp': {} },
      },
    );
    a = await analyzeImage(image);
  }, 180_000);

  it('fires every rule of the five parts on an image that has it all', () => {
    expect(a.findings.map((f) => f.rule).sort()).toEqual(IMAGE_RULES.map((r) => r.id).sort());
    for (const f of a.findings) {
      expect(f.fix.length).toBeGreaterThan(10);
      expect(f.paths.length).toBeGreaterThan(0);
    }
  });

  it('names the paths and fields involved', () => {
    expect(finding('MN-SC-001')?.paths).toEqual(['/lib/apk/db/installed']);
    expect(finding('MN-SC-003')?.paths).toEqual(['/app/server']);
    expect(finding('MN-NS-002')?.paths).toEqual(['config.ExposedPorts.22/tcp']);
    expect(finding('MN-SU-001')?.paths).toEqual(['/bin/bash']);
    expect(finding('MN-SU-003')?.paths).toEqual(['/bin/busybox', '/bin/ls', '/bin/nc']);
    expect(finding('MN-SU-005')?.paths).toEqual(['/bin/nc', '/usr/bin/curl']);
    expect(finding('MN-SU-002')?.paths).toEqual(['/usr/bin/apt-get']);
    expect(finding('MN-SU-004')?.paths).toEqual(['/usr/bin/gdb']);
    expect(finding('MN-SU-006')?.paths).toEqual(['/usr/bin/gcc']);
    expect(finding('MN-CF-001')?.message).toContain('root (/bin/bash)');
    expect(finding('MN-CF-002')?.message).toBe('users with an empty password: app, svc');
    expect(finding('MN-CF-003')?.paths).toEqual(['/data', '/etc/app.conf']);
    expect(finding('MN-CF-004')?.paths).toEqual(['/app/.env', '/root/.aws/credentials', '/srv/tls.pem']);
    expect(finding('MN-CF-005')?.paths).toEqual(['config.Env.DB_PASSWORD', 'config.Env.GITHUB_TOKEN']);
    expect(finding('MN-UP-001')?.paths).toEqual(['config.User']);
    expect(finding('MN-UP-002')?.paths).toEqual(['/usr/bin/sudo', '/usr/bin/wall']);
    expect(finding('MN-UP-003')?.paths).toEqual(['/usr/bin/ping']);
    expect(a.goBinaries[0]?.dynamic).toBe(true);
    expect(JSON.stringify(a)).not.toMatch(/hunter2|ghp_x/);
  });

  it('knows root in all its spellings', () => {
    const users = parseUsers(
      'root:x:0:0::/root:/bin/sh\ntoor:x:0:0::/:/bin/sh\napp:x:1000:1000::/:/sbin/nologin\n',
      undefined,
    );
    for (const u of [undefined, '', '0', 'root', '0:0', 'root:root', '0:1000', 'root:app', 'toor', ' 0 ']) {
      expect(isRootUser(u, users), String(u)).toBe(true);
    }
    for (const u of ['1000', 'app', '65532:65532', 'nobody', '1000:0'])
      expect(isRootUser(u, users), u).toBe(false);
  });
});

describe('secrets in contents and config', () => {
  let a: ImageAnalysis;
  beforeAll(async () => {
    const dir = await tempDir();
    const image = await imageOfLayers(
      dir,
      [
        [
          { header: { name: 'app/config.yaml', mode: 0o644 }, data: `aws:\n  key: ${AWS_ID}\n` },
          {
            header: { name: 'app/settings.ini', mode: 0o644 },
            data: `[aws]\naws_secret_access_key = ${AWS_SECRET}\n`,
          },
          { header: { name: 'home/app/.gitconfig', mode: 0o644 }, data: `[github]\n\ttoken = ${GH}\n` },
          { header: { name: 'srv/notify.json', mode: 0o644 }, data: JSON.stringify({ slack: SLACK }) },
          {
            header: { name: 'srv/sa.json', mode: 0o644 },
            data: JSON.stringify({ type: 'service_account', project_id: 'p', private_key: 'x' }),
          },
          { header: { name: 'srv/maps.js', mode: 0o644 }, data: `const k = "${GCP}";\n` },
          { header: { name: 'app/db.properties', mode: 0o644 }, data: `db.password=${DB_PASSWORD}\n` },
          // Not secrets: placeholders, words, paths, and package-owned test keys.
          {
            header: { name: 'app/example.env', mode: 0o644 },
            data: 'PASSWORD=${DB_PASSWORD}\ntoken: changeme\n',
          },
          {
            header: { name: 'app/readme.txt', mode: 0o644 },
            data: 'password_file=/run/secrets/db_password_file\n',
          },
          {
            header: { name: 'usr/lib/python3/test/key.pem', mode: 0o644 },
            data: '-----BEGIN PRIVATE KEY-----\n',
          },
          { header: { name: 'usr/lib/apt/methods/ftp', mode: 0o755 }, data: 'elf' },
          { header: { name: 'usr/lib/apt/methods/ssh', mode: 0o755 }, data: 'elf' },
        ],
      ],
      {
        Env: ['PATH=/bin', `DEPLOY_HOOK=${SLACK}`],
        Labels: { 'ci.key': AWS_ID, 'org.opencontainers.image.title': 'x' },
      },
    );
    a = await analyzeImage(image);
  }, 120_000);

  it('names every file holding a credential and its kind, never the value', () => {
    const f = a.findings.find((x) => x.rule === 'MN-CF-004');
    expect(f?.paths).toEqual([
      '/app/config.yaml',
      '/app/db.properties',
      '/app/settings.ini',
      '/home/app/.gitconfig',
      '/srv/maps.js',
      '/srv/notify.json',
      '/srv/sa.json',
    ]);
    for (const kind of [
      'AWS access key',
      'AWS secret key',
      'GitHub token',
      'Slack token',
      'GCP service account key',
      'GCP API key',
      'high-entropy assignment',
    ]) {
      expect(f?.message).toContain(kind);
    }
    expect(f?.message).toMatch(
      /^7 files look like secrets \(.*\): \/app\/config\.yaml, \/app\/db\.properties, /,
    );
    const json = JSON.stringify(a);
    for (const v of [AWS_ID, AWS_SECRET, GH, SLACK, GCP, DB_PASSWORD]) expect(json).not.toContain(v);
  });

  it('finds tokens in Env values and labels under innocent names, and redacts them', () => {
    expect(a.findings.find((x) => x.rule === 'MN-CF-005')?.paths).toEqual([
      'config.Env.DEPLOY_HOOK',
      'config.Labels.ci.key',
    ]);
    expect(a.config.env).toContain('DEPLOY_HOOK=<redacted>');
    expect(a.config.labels['ci.key']).toBe('<redacted>');
  });

  it('does not count apt transport helpers as network tools', () => {
    expect(a.utilities.networkTools).toEqual([]);
  });
});
