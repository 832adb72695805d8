import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { STATIC_TEXT_FILES } from '../../src/base/builtin-files.js';
import { isMinnowError } from '../../src/errors.js';
import {
  generateDockerfile,
  writeDockerfile,
  type DockerfileOptions,
} from '../../src/dockerfile/generate.js';
import { lintFile, lintText } from '../../src/dockerfile/lint/lint.js';
import { tempDir } from '../helpers/tmp.js';

const HELLO = fileURLToPath(new URL('../../examples/hello/', import.meta.url));
const BASES = [
  'scratch',
  'static',
  'distroless',
  'alpine',
  'alpine:3.19',
  'cgr.dev/chainguard/static:latest@sha256:' + 'a'.repeat(64),
];

async function helloCopy(): Promise<string> {
  const dir = join(await tempDir(), 'hello');
  await cp(HELLO, dir, { recursive: true });
  return dir;
}

describe('generateDockerfile', () => {
  test('pins the builder to go.mod, downloads modules before copying the source, builds static and stripped', async () => {
    const { dockerfile, plan } = await generateDockerfile({ dir: HELLO, base: 'scratch', ports: [8080] });
    expect(plan.builderImage).toBe('golang:1.21');
    const lines = dockerfile.split('\n');
    // No `# syntax=` line unless asked: it makes BuildKit pull a frontend image, which fails offline, and the
    // built-in frontend already knows RUN --mount.
    expect(dockerfile).not.toContain('# syntax=');
    const withSyntax = await generateDockerfile({ dir: HELLO, base: 'scratch', syntaxLine: true });
    expect(withSyntax.dockerfile.split('\n')[0]).toBe('# syntax=docker/dockerfile:1');
    const at = (re: RegExp): number => lines.findIndex((l) => re.test(l));
    expect(at(/^FROM --platform=\$BUILDPLATFORM golang:1\.21 AS build$/)).toBeGreaterThan(0);
    expect(at(/^COPY go\.mod \.\/$/)).toBeLessThan(at(/go mod download/));
    expect(at(/go mod download/)).toBeLessThan(at(/^COPY \. \.$/));
    expect(dockerfile).toMatch(/--mount=type=cache,target=\/go\/pkg\/mod/);
    expect(dockerfile).toMatch(/--mount=type=cache,target=\/root\/\.cache\/go-build/);
    expect(dockerfile).toMatch(/ENV CGO_ENABLED=0/);
    expect(dockerfile).toContain('go build -trimpath -ldflags="-s -w" -o /out/hello .');
    expect(dockerfile).toContain(
      'COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt',
    );
    expect(dockerfile).toMatch(/^USER 65532:65532$/m);
    expect(dockerfile).toMatch(/^EXPOSE 8080$/m);
    expect(dockerfile).toMatch(/^LABEL org\.opencontainers\.image\.title="hello"/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["\/app\/hello"\]$/m);
    expect(dockerfile).toMatch(/legacy builder/);
  });

  test('the --no-buildkit variant has no BuildKit-only syntax and the same final stage', async () => {
    const bk = await generateDockerfile({ dir: HELLO, base: 'static' });
    const legacy = await generateDockerfile({ dir: HELLO, base: 'static', buildkit: false });
    const code = legacy.dockerfile
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join('\n');
    expect(code).not.toMatch(/--mount|--platform|\$TARGET/);
    expect(legacy.dockerfile).not.toContain('# syntax=');
    expect(legacy.dockerfile).toContain('RUN go mod download');
    const final = (text: string): string => text.slice(text.indexOf('# Final stage'));
    expect(final(legacy.dockerfile)).toBe(final(bk.dockerfile));
  });

  test('each base gives its final stage', async () => {
    const gen = async (base: string): Promise<string> =>
      (await generateDockerfile({ dir: HELLO, base })).dockerfile;
    expect(await gen('distroless')).toMatch(/^FROM gcr\.io\/distroless\/static-debian12:nonroot$/m);
    expect(await gen('alpine')).toMatch(/^FROM alpine:3\.\d+$/m);
    expect(await gen('alpine')).not.toContain('ca-certificates.crt');
    const stat = await gen('static');
    expect(stat).toMatch(/^FROM scratch$/m);
    // The files of minnow build --base static, and no time zones unless asked, as build does.
    for (const [path, text] of Object.entries(STATIC_TEXT_FILES)) {
      const quoted = text
        .trimEnd()
        .split('\n')
        .map((l) => `'${l}'`)
        .join(' ');
      expect(stat).toContain(`printf '%s\\n' ${quoted} > /out/rootfs${path}`);
    }
    expect(stat).toContain('COPY --from=build /out/rootfs/ /');
    expect(stat).not.toContain('zoneinfo');
    const zones = (await generateDockerfile({ dir: HELLO, base: 'static', tzdata: true })).dockerfile;
    expect(zones).toContain('ENV ZONEINFO=/usr/share/zoneinfo.zip');
    const zonesElsewhere = (await generateDockerfile({ dir: HELLO, base: 'alpine', tzdata: true }))
      .dockerfile;
    expect(zonesElsewhere).toMatch(/-tags=timetzdata /);
    expect(zonesElsewhere).not.toContain('zoneinfo.zip');
    expect(await gen('registry.example.com/base/img:1.2@sha256:' + 'b'.repeat(64))).toMatch(
      /^FROM registry\.example\.com\/base\/img:1\.2@sha256:b{64}$/m,
    );
  });

  test('refuses unpinned bases, bad ports, labels and flags', async () => {
    const cases: DockerfileOptions[] = [
      { base: 'alpine' + ':latest' },
      { base: 'debian' },
      { base: 'Not A Ref' },
      { ports: [0] },
      { ports: [70000] },
      { labels: { 'Bad Key': 'x' } },
      { labels: { ok: 'two\nlines' } },
      { tags: ["x'y"] },
      { goVersion: '1.21 AS evil' },
      { builderImage: 'golang' },
    ];
    for (const options of cases) {
      await expect(generateDockerfile({ dir: HELLO, ...options })).rejects.toSatisfy((e) =>
        isMinnowError(e, 'INVALID_ARGUMENT'),
      );
    }
  });

  test('quotes label values so nothing in them is expanded or breaks the line', async () => {
    const { dockerfile } = await generateDockerfile({
      dir: HELLO,
      labels: { 'org.opencontainers.image.description': 'costs $5 "today" \\o/' },
    });
    expect(dockerfile).toContain('org.opencontainers.image.description="costs \\$5 \\"today\\" \\\\o/"');
  });

  test('uses go.sum when present and the toolchain line when present', async () => {
    const dir = await helloCopy();
    await writeFile(join(dir, 'go.mod'), 'module example.com/hello\n\ngo 1.22\n\ntoolchain go1.22.5\n');
    await writeFile(join(dir, 'go.sum'), '');
    const { dockerfile } = await generateDockerfile({ dir });
    expect(dockerfile).toContain('FROM --platform=$BUILDPLATFORM golang:1.22.5 AS build');
    expect(dockerfile).toContain('COPY go.mod go.sum ./');
  });
});

describe('writeDockerfile', () => {
  test('writes Dockerfile and .dockerignore, refuses to overwrite without force, leaves no temp files', async () => {
    const dir = await helloCopy();
    const first = await writeDockerfile({ dir, base: 'distroless' });
    expect(first.dockerignoreWritten).toBe(true);
    expect(await readFile(join(dir, 'Dockerfile'), 'utf8')).toBe(first.dockerfile);
    const ignore = await readFile(join(dir, '.dockerignore'), 'utf8');
    expect(ignore.split('\n')).toContain('.git');

    await expect(writeDockerfile({ dir, base: 'scratch' })).rejects.toSatisfy((e) =>
      isMinnowError(e, 'OUTPUT_EXISTS'),
    );
    expect(await readFile(join(dir, 'Dockerfile'), 'utf8')).toBe(first.dockerfile);

    await writeFile(join(dir, '.dockerignore'), '.git\nsecret.txt\n');
    const forced = await writeDockerfile({ dir, base: 'scratch', force: true });
    expect(forced.dockerfile).toMatch(/^FROM scratch$/m);
    expect(await readFile(join(dir, '.dockerignore'), 'utf8')).toBe(forced.dockerignore);
    expect((await readdir(dir)).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  test('keeps an existing .dockerignore unless forced', async () => {
    const dir = await helloCopy();
    await writeFile(join(dir, '.dockerignore'), '.git\nmine\n');
    const r = await writeDockerfile({ dir, output: join(dir, 'build', 'Dockerfile') });
    expect(r.dockerignoreWritten).toBe(false);
    expect(await readFile(join(dir, '.dockerignore'), 'utf8')).toBe('.git\nmine\n');
    expect(await readFile(join(dir, 'build', 'Dockerfile'), 'utf8')).toBe(r.dockerfile);
  });
});

describe('generated Dockerfiles lint clean', () => {
  for (const base of BASES) {
    for (const buildkit of [true, false]) {
      test(`${base}, ${buildkit ? 'BuildKit' : 'legacy'}: nothing above low; low only for digest pinning and an intended shell`, async () => {
        const dir = await helloCopy();
        const written = await writeDockerfile({ dir, base, buildkit, ports: [8080] });
        const { findings } = await lintFile(written.dockerfilePath);
        expect(findings.filter((f) => f.severity !== 'low')).toEqual([]);
        const expected = new Set(['MN-DF-008']);
        if (base.startsWith('alpine')) expected.add('MN-DF-015');
        expect(new Set(findings.map((f) => f.ruleId))).toEqual(
          base.includes('@sha256:') ? new Set(['MN-DF-008']) : expected,
        );
      });
    }
  }

  test('with every image pinned by digest, a generated Dockerfile has no findings at all', async () => {
    const digest = `@sha256:${'c'.repeat(64)}`;
    const { dockerfile } = await generateDockerfile({
      dir: HELLO,
      base: `gcr.io/distroless/static-debian12:nonroot${digest}`,
      builderImage: `golang:1.21${digest}`,
    });
    const { findings } = await lintText(dockerfile);
    expect(findings).toEqual([]);
  });
});
