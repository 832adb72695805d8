import { beforeAll, expect, test } from 'vitest';
import { exec } from '../helpers/exec.js';
import { hostGo, loadDockerfileBases } from '../helpers/go-builder-image.js';

// The images the Dockerfile tests and bench/dockerfile.mjs build from, made offline (see go-builder-image.ts).
beforeAll(() => loadDockerfileBases(['1.21']), 600_000);

const run = (image: string, ...cmd: string[]): Promise<string> =>
  exec('docker', ['run', '--rm', '--network', 'none', image, ...cmd]);

test('golang:1.21 and golang:1.21-alpine run the host’s Go, offline, with GOROOT and GOPATH set', async () => {
  const { version } = await hostGo();
  for (const tag of ['golang:1.21', 'golang:1.21-alpine']) {
    expect((await run(tag, 'go', 'version')).trim()).toMatch(new RegExp(`^go version ${version} linux/`));
    expect((await run(tag, 'go', 'env', 'GOROOT', 'GOPATH', 'GOTOOLCHAIN')).trim().split('\n')).toEqual([
      '/usr/local/go',
      '/go',
      'local',
    ]);
  }
  // The scratch Dockerfiles copy the builder's CA bundle.
  expect(await run('golang:1.21', 'head', '-c', '27', '/etc/ssl/certs/ca-certificates.crt')).toMatch(
    /BEGIN CERT/,
  );
});

test('alpine:3.19 and distroless static-debian12 are the fixture images', async () => {
  expect((await run('alpine:3.19', 'cat', '/etc/alpine-release')).trim()).toBe('3.19.4');
  const user = async (tag: string): Promise<string> =>
    (await exec('docker', ['image', 'inspect', '--format', '{{.Config.User}}', tag])).trim();
  expect(await user('gcr.io/distroless/static-debian12:nonroot')).toBe('65532');
  expect(await user('gcr.io/distroless/static-debian12:latest')).toBe('0');
});
