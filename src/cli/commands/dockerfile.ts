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
  base: string;
  dir: string;
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

/** `minnow dockerfile [PKG]`: writes a multi-stage Dockerfile and a .dockerignore for a Go app. */
export function register(program: Command): void {
  program
    .command('dockerfile')
    .description(
      'write the best multi-stage Dockerfile (and a .dockerignore) for a Go app, for docker build users',
    )
    .argument('[pkg]', 'main package to build, relative to the module (./cmd/server)', '.')
    .option(
      '--base <base>',
      'final stage: scratch, static, distroless, alpine, or an image reference with a tag',
      'static',
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
    .option('--stdout', 'print the Dockerfile instead of writing files')
    .option('--force', 'overwrite an existing Dockerfile and .dockerignore')
    .action(async (pkg: string, flags: Flags) => {
      const options: DockerfileOptions = {
        dir: flags.dir,
        package: pkg,
        base: flags.base,
        buildkit: flags.buildkit,
        ports: flags.port.map(parsePort),
        labels: parseLabels(flags.label),
        ...(flags.tags ? { tags: flags.tags.split(',').filter((t) => t !== '') } : {}),
        ...(flags.ldflags ? { ldflags: flags.ldflags.split(/\s+/).filter((t) => t !== '') } : {}),
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
