import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { MinnowError } from '../../errors.js';
import { generateDockerfile, writeDockerfile, type DockerfileOptions } from '../../dockerfile/generate.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function parsePort(value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new MinnowError('INVALID_ARGUMENT', `invalid port "${value}": expected 1-65535`, {
      subject: value,
    });
  }
  return n;
}

function parseLabels(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0)
      throw new MinnowError('INVALID_ARGUMENT', `invalid label "${v}": expected KEY=VALUE`, { subject: v });
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

interface Flags {
  base?: string;
  dir: string;
  tzdata?: boolean;
  syntax?: boolean;
  output?: string;
  port: string[];
  label: string[];
  tags?: string;
  ldflags?: string;
  goVersion?: string;
  builderImage?: string;
  buildkit: boolean;
  stdout?: boolean;
  force?: boolean;
}

/** What minnow.yaml says for the package, in the dockerfile's terms. */
interface DockerfileDefaults {
  base?: string;
  ports?: number[];
  labels?: Record<string, string>;
  tags?: string[];
  ldflags?: string[];
  tzdata?: boolean;
}

/** Bases a Dockerfile's FROM cannot name: they are files or the local Engine, which docker build cannot pull. */
const LOCAL_BASE = /^(oci|docker-archive|daemon):/;

async function dockerfileDefaults(packageDir: string): Promise<DockerfileDefaults> {
  const { configuredBuild } = await import('../../config/build-options.js');
  const { options, config } = await configuredBuild(packageDir);
  if (options.base !== undefined && LOCAL_BASE.test(options.base)) {
    throw new MinnowError(
      'CONFIG_INVALID',
      `${config?.path ?? 'minnow.yaml'}: base ${options.base} is local to minnow; a Dockerfile's FROM needs a registry image`,
      {
        subject: options.base,
        hint: 'pass --base static, scratch, distroless, alpine or a pinned reference',
      },
    );
  }
  return {
    ...(options.base !== undefined ? { base: options.base } : {}),
    ...(options.ports?.length ? { ports: options.ports.map((p) => parsePort(p.replace(/\/tcp$/, ''))) } : {}),
    ...(options.labels ? { labels: options.labels } : {}),
    ...(options.tags?.length ? { tags: options.tags } : {}),
    ...(options.ldflags ? { ldflags: options.ldflags.split(/\s+/).filter(Boolean) } : {}),
    ...(options.tzdata ? { tzdata: true } : {}),
  };
}

/** `minnow dockerfile [PKG]`: writes a multi-stage Dockerfile and a .dockerignore for a Go app. */
export function register(program: Command): void {
  program
    .command('dockerfile')
    .description(
      'write the best multi-stage Dockerfile (and a .dockerignore) for a Go app, for docker build users',
    )
    .argument(
      '[source]',
      'main package directory, as minnow build takes it (., ./cmd/server, examples/hello)',
      '.',
    )
    .option(
      '--base <base>',
      'final stage: scratch, static (default), distroless, alpine, or an image reference with a tag',
    )
    .option('-C, --dir <dir>', 'module directory (holding go.mod); also the build context', '.')
    .option('-o, --output <file>', 'Dockerfile path (default: <dir>/Dockerfile)')
    .option('-p, --port <port>', 'port to EXPOSE (repeatable)', collect, [])
    .option('--label <key=value>', 'extra OCI label (repeatable)', collect, [])
    .option('--tags <tags>', 'Go build tags, comma-separated')
    .option('--ldflags <flags>', 'extra Go linker flags after -s -w')
    .option('--go-version <version>', "builder Go version (default: go.mod's toolchain, else go line)")
    .option('--builder-image <ref>', 'builder image (default golang:<go version>)')
    .addOption(
      new Option('--no-buildkit', 'no RUN --mount cache mounts: a Dockerfile the legacy builder takes'),
    )
    .option('--tzdata', 'add time zone data, as minnow build --tzdata does')
    .option('--syntax', 'start with # syntax=docker/dockerfile:1 (BuildKit then pulls that frontend image)')
    .option('--stdout', 'print the Dockerfile instead of writing files')
    .option('--force', 'overwrite an existing Dockerfile and .dockerignore')
    .action(async (pkg: string, flags: Flags) => {
      // minnow.yaml's settings for this package first, then the flags over them, as `minnow build` merges them.
      const configured = await dockerfileDefaults(resolve(flags.dir, pkg));
      const ports = flags.port.length ? flags.port.map(parsePort) : configured.ports;
      const labels = { ...configured.labels, ...parseLabels(flags.label) };
      const tags = flags.tags ? flags.tags.split(',').filter((t) => t !== '') : configured.tags;
      const ldflags = flags.ldflags ? flags.ldflags.split(/\s+/).filter((t) => t !== '') : configured.ldflags;
      const options: DockerfileOptions = {
        dir: flags.dir,
        package: pkg,
        base: flags.base ?? configured.base ?? 'static',
        buildkit: flags.buildkit,
        ...(ports ? { ports } : {}),
        labels,
        ...(tags ? { tags } : {}),
        ...(ldflags ? { ldflags } : {}),
        ...((flags.tzdata ?? configured.tzdata) ? { tzdata: true } : {}),
        ...(flags.syntax ? { syntaxLine: true } : {}),
        ...(flags.goVersion ? { goVersion: flags.goVersion } : {}),
        ...(flags.builderImage ? { builderImage: flags.builderImage } : {}),
      };
      if (flags.stdout) {
        process.stdout.write((await generateDockerfile(options)).dockerfile);
        return;
      }
      const written = await writeDockerfile({
        ...options,
        ...(flags.output ? { output: flags.output } : {}),
        force: flags.force ?? false,
      });
      process.stdout.write(`wrote ${written.dockerfilePath}\n`);
      process.stdout.write(
        written.dockerignoreWritten
          ? `wrote ${written.dockerignorePath}\n`
          : `kept the existing ${written.dockerignorePath} (--force replaces it)\n`,
      );
      process.stdout.write(
        `build it: docker build -t ${written.plan.binary} ${written.contextDir === process.cwd() ? '.' : written.contextDir}\n`,
      );
    });
}
