import { STATIC_TEXT_FILES } from '../base/builtin-files.js';
import type { FinalBase } from './bases.js';

/** Everything a Dockerfile is written from, already resolved and checked. */
export interface DockerfilePlan {
  /** Module path, for the header comment. */
  modulePath: string;
  /** `go build` package argument (`.`, `./cmd/server`). */
  buildPath: string;
  /** Binary name; the binary lands at /app/<binary>. */
  binary: string;
  /** The builder stage's image (`golang:1.21`). */
  builderImage: string;
  base: FinalBase;
  /** Copy go.sum next to go.mod before `go mod download`. */
  hasGoSum: boolean;
  /** Modules are vendored: no download step. */
  vendored: boolean;
  /** Use BuildKit cache mounts (and cross-compile for TARGETARCH); false writes what the legacy builder takes. */
  buildkit: boolean;
  ports: number[];
  labels: Record<string, string>;
  /** Go build tags. */
  tags: string[];
  /** Extra -ldflags after `-s -w`. */
  ldflags: string[];
  /** Time zone data: Go's zoneinfo.zip on scratch/static, the `timetzdata` build tag on other bases. */
  tzdata: boolean;
  /** Write `# syntax=docker/dockerfile:1` first (BuildKit then pulls that frontend). */
  syntaxLine: boolean;
}

const GOMODCACHE = '/go/pkg/mod';
const GOCACHE = '/root/.cache/go-build';
const MOD_MOUNT = `--mount=type=cache,target=${GOMODCACHE}`;
const BUILD_MOUNT = `--mount=type=cache,target=${GOCACHE}`;

/** Quotes a value for a Dockerfile: double quotes, with `\`, `"` and `$` escaped so nothing is expanded. */
export function dockerQuote(value: string): string {
  return `"${value.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;
}

/** Quotes a word for the shell of a RUN line when it is not plainly safe. */
function shellWord(value: string): string {
  return /^[\w./=:,+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function header(plan: DockerfilePlan): string[] {
  const lines = plan.buildkit && plan.syntaxLine ? ['# syntax=docker/dockerfile:1'] : [];
  lines.push(
    `# Dockerfile for ${plan.modulePath} (${plan.buildPath}), written by \`minnow dockerfile\`; final base: ${plan.base.kind}.`,
    '#',
    `#   docker build -t ${plan.binary} .`,
    '#',
  );
  if (plan.buildkit) {
    lines.push(
      '# The RUN --mount=type=cache flags keep the module cache (GOMODCACHE) and the build cache (GOCACHE) between',
      '# builds, so after an edit BuildKit (the default builder since Docker 23.0) recompiles only what changed.',
      '# The legacy builder (DOCKER_BUILDKIT=0, Docker before 23.0) cannot build this file: it rejects',
      '# FROM --platform=$BUILDPLATFORM and RUN --mount. For it, write the variant without them:',
      '# `minnow dockerfile --no-buildkit` (same image, but each edit recompiles everything).',
    );
  } else {
    lines.push(
      '# Written for the legacy builder too (no RUN --mount): modules still come from their own cached layer, but',
      '# every source edit recompiles the whole program, standard library included. With BuildKit, generate the',
      '# default variant, whose cache mounts keep the build cache between builds.',
    );
  }
  return lines;
}

/** Time zones come as zoneinfo.zip on the bases minnow writes itself; elsewhere the binary embeds them. */
function zoneinfoFile(plan: DockerfilePlan): boolean {
  return plan.tzdata && (plan.base.kind === 'scratch' || plan.base.kind === 'static');
}

/** A RUN command writing the static base's files under /out/rootfs (and nonroot's home under /out/home). */
function staticRootfs(): string {
  const files = Object.entries(STATIC_TEXT_FILES).map(([path, text]) => {
    const lines = text.replace(/\n$/, '').split('\n');
    return `printf '%s\\n' ${lines.map((l) => `'${l.replace(/'/g, `'\\''`)}'`).join(' ')} > /out/rootfs${path}`;
  });
  return [
    'mkdir -p /out/rootfs/etc /out/rootfs/tmp /out/rootfs/root /out/home/nonroot',
    'chmod 1777 /out/rootfs/tmp && chmod 700 /out/rootfs/root /out/home/nonroot',
    ...files,
  ].join(' && \\\n    ');
}

function buildStage(plan: DockerfilePlan): string[] {
  const from = plan.buildkit
    ? `FROM --platform=$BUILDPLATFORM ${plan.builderImage} AS build`
    : `FROM ${plan.builderImage} AS build`;
  const lines = [
    '',
    '# Build stage: the Go toolchain go.mod asks for; nothing of it reaches the final image.',
    from,
  ];
  lines.push(
    '# A static binary: no cgo, so no libc is needed at run time.',
    `ENV CGO_ENABLED=0 GOMODCACHE=${GOMODCACHE} GOCACHE=${GOCACHE}`,
  );
  if (plan.base.staticFiles) {
    lines.push(
      '# The files of minnow build --base static (distroless static without packages): passwd and group naming root,',
      '# nobody and nonroot (65532), nsswitch.conf, os-release, /tmp (1777), and private homes for root and nonroot.',
      `RUN ${staticRootfs()}`,
    );
  }
  if (zoneinfoFile(plan)) {
    lines.push(
      '# The time zone database the Go release ships as one zip (found through `go env GOROOT`).',
      'RUN mkdir -p /out && cp "$(go env GOROOT)/lib/time/zoneinfo.zip" /out/zoneinfo.zip',
    );
  }
  lines.push('WORKDIR /src');
  if (plan.vendored) {
    lines.push('# Modules are vendored: they come with the source, nothing to download.');
  } else {
    lines.push(
      '# Modules first, in their own layer: a source edit does not download them again.',
      `COPY ${plan.hasGoSum ? 'go.mod go.sum' : 'go.mod'} ./`,
      plan.buildkit ? `RUN ${MOD_MOUNT} \\\n    go mod download` : 'RUN go mod download',
    );
  }
  lines.push('COPY . .');
  const ldflags = ['-s', '-w', ...plan.ldflags].join(' ');
  const args = ['go build', '-trimpath', `-ldflags=${JSON.stringify(ldflags)}`];
  const tags = plan.tzdata && !zoneinfoFile(plan) ? [...plan.tags, 'timetzdata'] : plan.tags;
  if (tags.length > 0) args.push(`-tags=${shellWord(tags.join(','))}`);
  args.push(`-o /out/${plan.binary}`, shellWord(plan.buildPath));
  lines.push(
    '# -trimpath drops host paths; -s -w drop the symbol table and DWARF, which the binary does not need to run.',
  );
  if (plan.buildkit) {
    lines.push(
      'ARG TARGETOS',
      'ARG TARGETARCH',
      `RUN ${MOD_MOUNT} \\\n    ${BUILD_MOUNT} \\\n    GOOS=$TARGETOS GOARCH=$TARGETARCH \\\n    ${args.join(' ')}`,
    );
  } else {
    lines.push(`RUN GOOS=linux ${args.join(' ')}`);
  }
  return lines;
}

function finalStage(plan: DockerfilePlan): string[] {
  const { base } = plan;
  const lines = ['', `# Final stage: ${describeBase(plan)}`, `FROM ${base.image}`];
  if (base.copyCaBundle) {
    lines.push(
      '# CA certificates, so the program can verify TLS servers.',
      'COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt',
    );
  }
  if (base.staticFiles) {
    lines.push(
      'COPY --from=build /out/rootfs/ /',
      'COPY --from=build --chown=65532:65532 /out/home/nonroot /home/nonroot',
    );
  }
  if (zoneinfoFile(plan)) {
    lines.push(
      '# Time zones for time.LoadLocation.',
      'COPY --from=build /out/zoneinfo.zip /usr/share/zoneinfo.zip',
      'ENV ZONEINFO=/usr/share/zoneinfo.zip',
    );
  }
  lines.push(`COPY --from=build /out/${plan.binary} /app/${plan.binary}`);
  lines.push('# Not root: the uid distroless calls nonroot. Numeric, so it needs no /etc/passwd entry.');
  lines.push('USER 65532:65532');
  if (plan.ports.length > 0) lines.push(`EXPOSE ${plan.ports.join(' ')}`);
  const labels: Record<string, string> = {
    'org.opencontainers.image.title': plan.binary,
    ...(base.image === 'scratch' ? {} : { 'org.opencontainers.image.base.name': base.image }),
    ...plan.labels,
  };
  const entries = Object.entries(labels).map(([k, v]) => `${k}=${dockerQuote(v)}`);
  lines.push(`LABEL ${entries.join(' \\\n      ')}`);
  lines.push(`ENTRYPOINT ["/app/${plan.binary}"]`);
  return lines;
}

function describeBase(plan: DockerfilePlan): string {
  switch (plan.base.kind) {
    case 'scratch':
      return 'nothing but the binary and the CA bundle.';
    case 'static':
      return 'scratch plus CA bundle, passwd/group, nsswitch.conf and os-release: minnow build --base static.';
    case 'distroless':
      return 'distroless static: CA bundle, time zones, passwd; no shell, no package manager.';
    case 'alpine':
      return 'Alpine, which keeps a shell (busybox) and apk for debugging, at the cost of a larger attack surface.';
    case 'image':
      return `${plan.base.image}, as asked.`;
  }
}

/** Writes the Dockerfile text for `plan`. Pure: the same plan gives the same bytes. */
export function renderDockerfile(plan: DockerfilePlan): string {
  return [...header(plan), ...buildStage(plan), ...finalStage(plan)].join('\n') + '\n';
}
