import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { lintFile, lintText } from '../../src/dockerfile/lint/lint.js';
import { RULES } from '../../src/dockerfile/lint/rules/index.js';
import { isSecretName } from '../../src/dockerfile/lint/rules/instructions.js';
import { tempDir } from '../helpers/tmp.js';

const GOOD_TAIL = 'FROM scratch\nCOPY --from=build /out/app /app\nUSER 65532:65532\nENTRYPOINT ["/app"]\n';
const build = (run: string, extra = ''): string =>
  `FROM golang:1.22.3 AS build\n${extra}WORKDIR /src\nCOPY . .\nRUN ${run}\n${GOOD_TAIL}`;
const GOOD_RUN = 'CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/app .';

async function ids(text: string): Promise<string[]> {
  return (await lintText(text)).findings.map((f) => f.ruleId);
}

/** For each rule: a Dockerfile that breaks it and a close one that does not. */
const CASES: Record<string, [bad: string, good: string]> = {
  'MN-DF-001': [
    'FROM golang:1.22.3\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /app .\nUSER 1000\nCMD ["/app"]\n',
    build(GOOD_RUN),
  ],
  'MN-DF-002': [
    build('go build -trimpath -ldflags="-s -w" -o /out/app .'),
    build('go build -trimpath -ldflags="-s -w" -o /out/app .', 'ENV CGO_ENABLED=0\n'),
  ],
  'MN-DF-003': [build(GOOD_RUN).replace('FROM scratch', 'FROM debian:12.5'), build(GOOD_RUN)],
  'MN-DF-004': [build(GOOD_RUN).replace('USER 65532:65532\n', ''), build(GOOD_RUN)],
  'MN-DF-005': [build(GOOD_RUN).replace('ENTRYPOINT ["/app"]', 'ENTRYPOINT /app --serve'), build(GOOD_RUN)],
  'MN-DF-006': [build(GOOD_RUN).replace('golang:1.22.3', 'golang'), build(GOOD_RUN)],
  'MN-DF-007': [build(GOOD_RUN).replace('golang:1.22.3', 'golang:latest'), build(GOOD_RUN)],
  'MN-DF-008': [
    build(GOOD_RUN),
    build(GOOD_RUN).replace('golang:1.22.3', `golang:1.22.3@sha256:${'d'.repeat(64)}`),
  ],
  'MN-DF-009': [
    build(GOOD_RUN).replace('COPY . .', 'ADD . .'),
    build(GOOD_RUN).replace('COPY . .', 'ADD vendor.tar.gz /src/'),
  ],
  'MN-DF-011': [build(GOOD_RUN).replace('RUN ', 'RUN go mod download\nRUN '), build(GOOD_RUN)],
  'MN-DF-012': [
    build(GOOD_RUN).replace('FROM scratch', 'FROM alpine:3.20\nRUN apk add git'),
    build(GOOD_RUN).replace('FROM scratch', 'FROM alpine:3.20\nRUN apk add --no-cache git'),
  ],
  'MN-DF-013': [
    build(GOOD_RUN).replace(
      'FROM scratch',
      'FROM debian:12.5\nRUN apt-get update && apt-get install -y --no-install-recommends git',
    ),
    // The same install in the builder stage: its lists are never copied into the image.
    build(GOOD_RUN, 'RUN apt-get update && apt-get install -y --no-install-recommends git\n'),
  ],
  'MN-DF-014': [
    build(GOOD_RUN, 'ARG GITHUB_TOKEN\n'),
    build(GOOD_RUN, 'ARG GITHUB_TOKEN_FILE=/run/secrets/t\n'),
  ],
  'MN-DF-015': [build(GOOD_RUN).replace('FROM scratch', 'FROM alpine:3.20'), build(GOOD_RUN)],
  'MN-DF-016': [
    build('CGO_ENABLED=0 go build -trimpath -o /out/app .'),
    // Since Go 1.22, -s implies -w.
    build('CGO_ENABLED=0 go build -trimpath -ldflags=-s -o /out/app .'),
  ],
  'MN-DF-017': [build('CGO_ENABLED=0 go build -ldflags="-s -w" -o /out/app .'), build(GOOD_RUN)],
  'MN-DF-018': [
    build(GOOD_RUN, 'RUN apt-get update && apt-get install -y git && rm -rf /var/lib/apt/lists/*\n'),
    build(
      GOOD_RUN,
      'RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*\n',
    ),
  ],
  'MN-DF-019': [build(GOOD_RUN).replace('WORKDIR /src', 'WORKDIR src'), build(GOOD_RUN)],
  'MN-DF-020': [build(GOOD_RUN, 'MAINTAINER me@example.com\n'), build(GOOD_RUN)],
  'MN-DF-021': [build(GOOD_RUN).replace('ENTRYPOINT', 'CMD ["/x"]\nCMD ["/y"]\nENTRYPOINT'), build(GOOD_RUN)],
  'MN-DF-022': [
    build(GOOD_RUN, 'RUN sudo apk add --no-cache git\n'),
    // Installing the sudo package is not running sudo (issue 11: this exact line was reported).
    build(GOOD_RUN, 'RUN apt-get update && apt-get install -y sudo zip\n'),
  ],
  'MN-DF-023': [
    build(GOOD_RUN).replace('USER', 'EXPOSE 8080 70000/tcp\nUSER'),
    build(GOOD_RUN).replace('USER', 'EXPOSE 8080 9000-9010/udp\nUSER'),
  ],
  'MN-DF-024': [
    build(
      GOOD_RUN,
      'RUN apt-get update && apt-get install -y --no-install-recommends git=1:2.39.2-1.1 curl\n',
    ),
    build(
      GOOD_RUN,
      'RUN apt-get update && apt-get install -y --no-install-recommends -t bookworm-backports git=1:2.39.2-1.1 ./x.deb\n',
    ),
  ],
  'MN-DF-025': [
    build(GOOD_RUN, 'RUN apk add --no-cache --virtual .deps git=2.43.0-r0 make\n'),
    build(GOOD_RUN, 'RUN apk --no-cache add --virtual=.deps git=2.43.0-r0 make~4.4\n'),
  ],
  'MN-DF-026': [
    build(GOOD_RUN).replace('--from=build', '--from=bulid'),
    build(GOOD_RUN).replace('--from=build', '--from=0'),
  ],
  'MN-DF-027': [
    build(GOOD_RUN).replace('COPY . .', 'COPY --from=build /x /y'),
    build(GOOD_RUN).replace('COPY . .', 'COPY --from=busybox:1.36 /bin/busybox /bin/'),
  ],
  'MN-DF-028': [
    build(GOOD_RUN).replace('FROM scratch', 'FROM scratch AS build'),
    build(GOOD_RUN).replace('FROM scratch', 'FROM scratch AS final'),
  ],
  'MN-DF-030': [
    build(GOOD_RUN, 'RUN go install golang.org/x/tools/cmd/stringer@latest && go get example.com/m\n'),
    build(
      GOOD_RUN,
      'RUN go install golang.org/x/tools/cmd/stringer@v0.24.0 ./cmd/gen && go get example.com/m@v1.2.0\n',
    ),
  ],
  'MN-DF-031': [
    build(GOOD_RUN).replace(
      'FROM scratch',
      'FROM scratch\nCOPY --from=build /bin/busybox /bin/busybox\nRUN ["/bin/busybox", "true"]\nRUN ln -sf /bin/busybox /bin/sh',
    ),
    build(GOOD_RUN, 'RUN ln -sf /bin/bash /bin/sh\n'),
  ],
  'MN-DF-032': [
    build(GOOD_RUN, 'RUN wget -qO- https://example.com/x.tgz | tar xz\n'),
    build(
      GOOD_RUN,
      'SHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN wget -qO- https://example.com/x.tgz | tar xz || true\n',
    ),
  ],
  'MN-DF-033': [
    build(GOOD_RUN, 'ARG DIR=/tmp/x\nRUN rm -rf $DIR\n'),
    build(GOOD_RUN, 'ARG DIR=/tmp/x\nRUN rm -rf "$DIR" && X=$DIR echo "${DIR}"\n'),
  ],
  'MN-DF-029': [
    build('cd cmd/app && ' + GOOD_RUN),
    build(GOOD_RUN.replace(' .', ' ./cmd/cd'), 'RUN abcd=1 echo cd\n'),
  ],
};

describe('rules', () => {
  test('every rule has a stable ID, a name, a fix, and a case below', () => {
    const list = RULES.map((r) => r.meta.id);
    expect(list).toEqual([...list].sort());
    expect(new Set(list).size).toBe(list.length);
    for (const r of RULES) {
      expect(r.meta.id).toMatch(/^MN-DF-\d{3}$/);
      expect(r.meta.name).toMatch(/^[a-z0-9-]+$/);
      expect(r.meta.fix.length).toBeGreaterThan(10);
      if (r.meta.id !== 'MN-DF-010') expect(Object.keys(CASES)).toContain(r.meta.id);
    }
  });

  for (const [id, [bad, good]] of Object.entries(CASES)) {
    test(`${id} fires on the bad Dockerfile and not on the good one`, async () => {
      expect(await ids(bad)).toContain(id);
      expect(await ids(good)).not.toContain(id);
    });
  }

  test('the good base case is clean apart from the digest note', async () => {
    expect(await ids(build(GOOD_RUN))).toEqual(['MN-DF-008']);
  });

  test('MN-DF-010 checks the context .dockerignore for .git', async () => {
    const dir = await tempDir();
    const file = join(dir, 'Dockerfile');
    await writeFile(file, build(GOOD_RUN));
    const mn010 = async (): Promise<string[]> =>
      (await lintFile(file)).findings
        .filter((f) => f.ruleId === 'MN-DF-010')
        .map((f) => `${f.location.file}:${f.message}`);
    expect(await mn010()).toEqual([`${file}:the build context has no .dockerignore`]);
    await writeFile(join(dir, '.dockerignore'), 'bin/\n');
    expect(await mn010()).toEqual([`${join(dir, '.dockerignore')}:.dockerignore does not exclude .git`]);
    await writeFile(join(dir, '.dockerignore'), 'bin/\n/.git/\n');
    expect(await mn010()).toEqual([]);
    await writeFile(join(dir, '.dockerignore'), '.git\n!.git\n');
    expect(await mn010()).toHaveLength(1);
    // BuildKit's per-Dockerfile ignore file wins over the context's.
    await mkdir(join(dir, 'ctx'));
    await writeFile(join(dir, 'Dockerfile.dockerignore'), '**\n!main.go\n');
    expect(await mn010()).toEqual([]);
  });

  test('CGO_ENABLED is followed through ENV, ARG, the RUN itself and parent stages', async () => {
    const base =
      'FROM golang:1.22.3 AS deps\nENV CGO_ENABLED=0\nFROM deps AS build\nRUN go build -trimpath -ldflags="-s -w" -o /out/app .\n' +
      GOOD_TAIL;
    expect(await ids(base)).not.toContain('MN-DF-002');
    expect(await ids(base.replace('RUN go', 'RUN CGO_ENABLED=1 go'))).toContain('MN-DF-002');
    expect(await ids(build(GOOD_RUN.replace('CGO_ENABLED=0 ', ''), 'ARG CGO_ENABLED=0\n'))).not.toContain(
      'MN-DF-002',
    );
  });

  test('base images are resolved through global ARGs; stage references and scratch are not images', async () => {
    const text =
      'ARG GO=1.22.3\nFROM golang:${GO} AS build\nRUN ' +
      GOOD_RUN +
      '\nFROM build AS test\nRUN go vet ./...\n' +
      GOOD_TAIL;
    const r = await lintText(text);
    expect(r.findings.map((f) => f.ruleId)).toEqual(['MN-DF-008']);
    expect(r.findings[0]?.message).toContain('golang:1.22.3');
    expect(await ids(text.replace('ARG GO=1.22.3', 'ARG GO=latest'))).toContain('MN-DF-007');
  });

  test('distroless :nonroot needs no USER; USER root in the final stage is reported at the USER line', async () => {
    const nonroot = build(GOOD_RUN)
      .replace('FROM scratch', 'FROM gcr.io/distroless/static-debian12:nonroot')
      .replace('USER 65532:65532\n', '');
    expect(await ids(nonroot)).not.toContain('MN-DF-004');
    const r = await lintText(build(GOOD_RUN).replace('USER 65532:65532', 'USER root'));
    expect(r.findings.find((f) => f.ruleId === 'MN-DF-004')?.location.line).toBe(7);
  });

  test('ignore comments (minnow-lint or hadolint codes) and the ignore option suppress findings', async () => {
    const text = build(GOOD_RUN)
      .replace('FROM golang', '# hadolint ignore=DL3006\nFROM golang')
      .replace('golang:1.22.3', 'golang');
    expect(await ids(text)).not.toContain('MN-DF-006');
    const global = `# minnow-lint global ignore=MN-DF-008\n${build(GOOD_RUN)}`;
    expect(await ids(global)).toEqual([]);
    expect((await lintText(build(GOOD_RUN), { ignore: ['base-digest'] })).findings).toEqual([]);
  });

  test('MN-DF-024/MN-DF-025 name only the unpinned packages, skip options and their values, and ignore other verbs', async () => {
    const apt = await lintText(
      build(
        GOOD_RUN,
        'RUN apt-get update && apt-get -o Dpkg::Use-Pty=0 install -y git=1:2.39.2-1.1 curl jq/bookworm && apt-get upgrade -y && rm -rf /var/lib/apt/lists/*\n',
      ),
    );
    const a = apt.findings.find((f) => f.ruleId === 'MN-DF-024');
    expect(a?.message).toBe('apt-get install without a version for curl');
    expect(a).toMatchObject({ severity: 'medium', hadolint: 'DL3008', location: { line: 2, column: 1 } });
    const multiline = await lintText(
      build(
        GOOD_RUN,
        'RUN apt-get update && \\\n    # tools\n    apt-get install -y --no-install-recommends \\\n      git=1:2.39.2-1.1 \\\n      curl && rm -rf /var/lib/apt/lists/*\n',
      ),
    );
    expect(multiline.findings.find((f) => f.ruleId === 'MN-DF-024')?.message).toBe(
      'apt-get install without a version for curl',
    );
    const apk = await lintText(
      build(GOOD_RUN, 'RUN apk add --no-cache -t .deps git "$EXTRA" make=4.4.1-r2 2>/dev/null > /tmp/log\n'),
    );
    expect(apk.findings.find((f) => f.ruleId === 'MN-DF-025')?.message).toBe(
      'apk add without a version for git',
    );
    const other = await ids(build(GOOD_RUN, 'RUN apk update && apk del git && apt-get remove -y git\n'));
    expect(other).not.toContain('MN-DF-024');
    expect(other).not.toContain('MN-DF-025');
  });

  test('MN-DF-026-MN-DF-028 point at the --from value or the stage name, and accept images and earlier stages', async () => {
    const later = await lintText(
      'FROM golang:1.22.3 AS build\nCOPY --from=gen /x /x\nRUN ' + GOOD_RUN + '\nFROM scratch AS gen\n',
    );
    const f = later.findings.find((x) => x.ruleId === 'MN-DF-026');
    expect(f?.message).toContain('defined further down');
    expect(f?.location).toMatchObject({ line: 2, column: 13, endColumn: 16 });
    expect(await ids(build(GOOD_RUN).replace('--from=build', '--from=alpine'))).toContain('MN-DF-026');
    expect(
      await ids(build(GOOD_RUN).replace('--from=build', '--from=gcr.io/distroless/static')),
    ).not.toContain('MN-DF-026');
    expect(await ids(build(GOOD_RUN).replace('--from=build', '--from=BUILD'))).not.toContain('MN-DF-026');
    expect(await ids(build(GOOD_RUN).replace('--from=build', '--from=1'))).toContain('MN-DF-027');
    const dup = await lintText(build(GOOD_RUN).replace('FROM scratch', 'FROM scratch AS Build'));
    expect(dup.findings.find((x) => x.ruleId === 'MN-DF-028')).toMatchObject({
      severity: 'high',
      location: { line: 5, column: 17 },
    });
  });

  test('MN-DF-029 sees cd as a command in lists and subshells, not inside other words', async () => {
    for (const run of ['go vet ./... && (cd tools && go build .)', 'set -e; cd /src', 'true || cd x']) {
      expect(await ids(build(GOOD_RUN, `RUN ${run}\n`)), run).toContain('MN-DF-029');
    }
    for (const run of ['echo cd', 'go build ./cmd/cd', 'abcd /x']) {
      expect(await ids(build(GOOD_RUN, `RUN ${run}\n`)), run).not.toContain('MN-DF-029');
    }
  });

  test('MN-DF-022 fires on sudo as a command word, not on installing the sudo package (issue 11)', async () => {
    const sudo = async (run: string, stage: 'build' | 'final'): Promise<boolean> => {
      const text =
        stage === 'build'
          ? build(GOOD_RUN, `RUN ${run}\n`)
          : build(GOOD_RUN).replace('FROM scratch', `FROM debian:12.5\nRUN ${run}`);
      return (await ids(text)).includes('MN-DF-022');
    };
    for (const stage of ['build', 'final'] as const) {
      for (const run of [
        // The real-world Dockerfile that reported a false positive.
        'apt-get update && apt-get install -y sudo zip',
        'apt-get update && apt-get install -y --no-install-recommends sudo zip',
        'apk add --no-cache sudo=1.9.15-r0 zip=3.0-r12',
        'echo sudo > /tmp/x && grep -q sudo /etc/group',
      ]) {
        expect(await sudo(run, stage), `${stage}: ${run}`).toBe(false);
      }
      for (const run of [
        'sudo apt-get install x',
        'apt-get update && sudo make install',
        'apt-get install -y sudo zip && sudo -u nobody true',
        'DEBIAN_FRONTEND=noninteractive sudo apt-get install -y zip',
        'true; (sudo make install)',
      ]) {
        expect(await sudo(run, stage), `${stage}: ${run}`).toBe(true);
      }
    }
  });

  test('secrets: names are recognised, and their values never appear in findings', async () => {
    for (const n of [
      'DB_PASSWORD',
      'apiKey',
      'AWS_SECRET_ACCESS_KEY',
      'GITHUB_TOKEN',
      'PRIVATE_KEY',
      'npm_token',
    ]) {
      expect(isSecretName(n), n).toBe(true);
    }
    for (const n of ['GOPRIVATE', 'KEYBOARD', 'PASSWORD_FILE', 'PUBLIC_KEY', 'GOAUTH', 'TOKENIZER_PATH']) {
      expect(isSecretName(n), n).toBe(false);
    }
    const r = await lintText(build(GOOD_RUN, 'ENV DB_PASSWORD=hunter2 MODE=prod\n'));
    const f = r.findings.find((x) => x.ruleId === 'MN-DF-014');
    expect(f?.severity).toBe('high');
    expect(JSON.stringify(r)).not.toContain('hunter2');
    expect(f?.source).toBe('ENV DB_PASSWORD=*** MODE=prod');
  });
});

describe('what docker build refuses', () => {
  const refused: Array<[text: string, line: RegExp]> = [
    ['', /^Dockerfile:1: the Dockerfile has no instructions/],
    ['# only a comment\n\n', /^Dockerfile:1: the Dockerfile has no instructions/],
    ['FRM scratch\n', /^Dockerfile:1: unknown instruction "FRM"/],
    ['FROM scratch\nRUNN x\n', /^Dockerfile:2: unknown instruction "RUNN"/],
    ['RUN echo hi\nFROM scratch\n', /^Dockerfile:1: RUN before the first FROM/],
    ['FROM alpine:3.20\nCOPY onlyone\n', /^Dockerfile:2: COPY needs at least 2 arguments/],
    ['FROM\n', /^Dockerfile:1: FROM needs at least 1 argument/],
  ];
  for (const [text, line] of refused) {
    test(`refuses ${JSON.stringify(text)} with one line naming file:line`, async () => {
      const err = await lintText(text).then(
        () => undefined,
        (e: unknown) => e as { code: string; message: string },
      );
      expect(err?.code).toBe('INVALID_ARGUMENT');
      expect(err?.message).toMatch(line);
      expect(err?.message).not.toContain('\n');
    });
  }

  test('accepts ARG before FROM, heredocs and lower-case instructions', async () => {
    const text =
      'ARG V=1.22.3\nfrom golang:${V} AS build\nCOPY <<EOT /x\nhello\nEOT\nrun <<EOF\necho hi\nEOF\n';
    await expect(lintText(text)).resolves.toMatchObject({ file: 'Dockerfile' });
  });
});

describe('false positives that used to fail CI', () => {
  test('cgo is off in a builder stage without a C compiler (golang:*-alpine), on once gcc is installed', async () => {
    const alpine = build('go build -trimpath -ldflags="-s -w" -o /out/app .').replace(
      'golang:1.22.3',
      'golang:1.22.3-alpine3.20',
    );
    expect(await ids(alpine)).not.toContain('MN-DF-002');
    expect(
      await ids(alpine.replace('WORKDIR', 'RUN apk add --no-cache gcc=13.2.1_git20240309-r0\nWORKDIR')),
    ).toContain('MN-DF-002');
  });

  test('-ldflags=-s alone still misses -w before Go 1.22', async () => {
    const run = 'CGO_ENABLED=0 go build -trimpath -ldflags=-s -o /out/app .';
    expect(await ids(build(run).replace('golang:1.22.3', 'golang:1.21.9'))).toContain('MN-DF-016');
    expect(await ids(build(run))).not.toContain('MN-DF-016');
  });

  test('apk add pkg>1.2 is a redirect: the package is not pinned', async () => {
    const r = await lintText(build(GOOD_RUN, 'RUN apk add --no-cache git>2.40 make 2>/dev/null\n'));
    expect(r.findings.find((f) => f.ruleId === 'MN-DF-025')?.message).toBe(
      'apk add without a version for git, make',
    );
    const quoted = await ids(build(GOOD_RUN, 'RUN apk add --no-cache "git>2.40" make~4.4\n'));
    expect(quoted).not.toContain('MN-DF-025');
  });
});
