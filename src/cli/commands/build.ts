import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import pc from '../colors.js';
import { articleBaseline } from '../../build/article-baseline.js';
import { build } from '../../build/build.js';
import { compressionForEngine, compressionHelp, parseCompression } from '../../build/compression-choice.js';
import type { BuildOptions } from '../../build/types.js';
import { LABEL_KEY, parseKeyValues, parsePlatformList } from '../../build/validate.js';
import { MinnowError } from '../../errors.js';
import { printCompilerOutput } from '../exit.js';
import { findGo } from '../../go/find-go.js';
import { formatPlatform, hostPlatform, platformMatches } from '../../oci/platform.js';
import { checkOutput, defaultOutput, parseNameTag, parseOutput } from '../../publish/output-spec.js';
import { renderBuildSummary, summarizeBuild } from '../../report/build-summary.js';
import {
  addRegistryOptions,
  pushAll,
  pushTargets,
  registryReadOptions,
  type RegistryFlags,
} from '../registry-flags.js';
import { trapSignals } from '../signals.js';
import { createStepProgress } from '../step-progress.js';
import { createTransferRenderer } from '../transfer-progress.js';

interface BuildFlags extends RegistryFlags {
  base?: string;
  data?: string;
  verifyReproducible?: boolean;
  verifyFreshCache?: boolean;
  platform?: string;
  output?: string;
  force?: boolean;
  go?: string;
  ldflags?: string;
  tags?: string;
  goEnv: string[];
  user?: string;
  workdir?: string;
  entrypoint?: string;
  arg: string[];
  env: string[];
  port: string[];
  label: string[];
  annotation: string[];
  caCerts?: string | boolean;
  tzdata?: boolean;
  compression?: string;
  compare?: boolean;
  sbom?: string;
  sbomFormat: string;
  json?: boolean;
  quiet?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `--entrypoint` as a JSON array (`["/app/x","-v"]`) or a plain command line split on spaces. */
export function parseEntrypoint(value: string): string[] {
  if (value.trim().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((p) => typeof p === 'string')) {
      throw new MinnowError(
        'INVALID_ARGUMENT',
        `invalid --entrypoint ${value}: want a JSON array of strings`,
      );
    }
    return parsed as string[];
  }
  const parts = value.trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) throw new MinnowError('INVALID_ARGUMENT', 'the --entrypoint is empty');
  return parts;
}

/** Positional arguments → the module directory and package patterns (`./examples/hello`, `./cmd/...`). */
export async function sourceOf(args: string[]): Promise<{ dir: string; packages: string[] }> {
  if (args.length === 0) return { dir: process.cwd(), packages: ['.'] };
  if (args.length === 1 && !(args[0] as string).includes('...')) {
    const info = await stat(args[0] as string).catch(() => undefined);
    if (info?.isDirectory()) return { dir: args[0] as string, packages: ['.'] };
    if (!info && (args[0] as string).startsWith('.')) {
      throw new MinnowError('NOT_FOUND', `${args[0]} does not exist`, { subject: args[0] });
    }
  }
  return { dir: process.cwd(), packages: args };
}

/** Turns the flags into BuildOptions, checking every one before anything is built. */
export async function buildOptionsFrom(args: string[], flags: BuildFlags): Promise<BuildOptions> {
  const { dir, packages } = await sourceOf(args);
  return {
    dir,
    packages,
    ...(flags.base !== undefined ? { base: flags.base } : {}),
    ...(flags.data !== undefined ? { data: resolve(flags.data) } : {}),
    ...(flags.platform !== undefined && flags.platform.trim() !== 'all'
      ? { platforms: parsePlatformList(flags.platform) }
      : {}),
    ...(flags.go ? { goPath: flags.go } : {}),
    ...(flags.ldflags ? { ldflags: flags.ldflags } : {}),
    ...(flags.tags
      ? {
          tags: flags.tags
            .split(',')
            .map((t) => t.trim())
            .filter(Boolean),
        }
      : {}),
    ...(flags.goEnv.length ? { goEnv: parseKeyValues(flags.goEnv, '--go-env') } : {}),
    ...(flags.user !== undefined ? { user: flags.user } : {}),
    ...(flags.workdir !== undefined ? { workdir: flags.workdir } : {}),
    ...(flags.entrypoint !== undefined ? { entrypoint: parseEntrypoint(flags.entrypoint) } : {}),
    ...(flags.arg.length ? { args: flags.arg } : {}),
    ...(flags.env.length ? { env: parseKeyValues(flags.env, '--env') } : {}),
    ...(flags.port.length ? { ports: flags.port } : {}),
    ...(flags.label.length ? { labels: parseKeyValues(flags.label, '--label', LABEL_KEY) } : {}),
    ...(flags.annotation.length
      ? { annotations: parseKeyValues(flags.annotation, '--annotation', LABEL_KEY) }
      : {}),
    ...(flags.caCerts === false
      ? { caCerts: false }
      : typeof flags.caCerts === 'string'
        ? { caCerts: flags.caCerts }
        : {}),
    ...(flags.tzdata ? { tzdata: true } : {}),
    ...(flags.compression !== undefined ? { compression: parseCompression(flags.compression) } : {}),
  };
}

/**
 * The name docker:/daemon outputs give the image: REPO:TAG with --repo, else the first --tag read as
 * NAME[:TAG] (as `docker build -t` does), else none (the app's name).
 */
function localName(flags: BuildFlags): { name: string; tag: string } | undefined {
  if (flags.repo) return parseNameTag(`${flags.repo}:${flags.tag[0] ?? 'latest'}`);
  return flags.tag[0] ? parseNameTag(flags.tag[0]) : undefined;
}

async function run(args: string[], flags: BuildFlags): Promise<void> {
  const progress = createStepProgress(!flags.json && !flags.quiet);
  progress.update('reading options');
  const fromFlags = await buildOptionsFrom(args, flags);
  const { configuredBuild, mergeBuildOptions } = await import('../../config/build-options.js');
  const configured = await configuredBuild(fromFlags.dir ?? process.cwd(), fromFlags.packages);
  const options = mergeBuildOptions(configured.options, fromFlags);
  // `all` (flag or minnow.yaml) is every platform of the base, so it is known only once the base is.
  if (flags.platform !== undefined ? flags.platform.trim() === 'all' : configured.allPlatforms) {
    const { allPlatforms } = await import('../../build/all-platforms.js');
    options.platforms = await allPlatforms(options.base ?? 'static', {
      ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
      registry: registryReadOptions(flags, (e) => progress.transfer(e)),
    });
  }
  if (flags.sbom) (await import('../../analyze/sbom/index.js')).parseSbomFormat(flags.sbomFormat);
  const output = flags.output ? parseOutput(flags.output) : undefined;
  const named = localName(flags);
  const pushRefs = pushTargets(flags);
  if (output) await checkOutput(output, { force: flags.force ?? false });
  // A docker tarball or the Engine takes one image: the one platform asked for, or this host's of several. With
  // several and none for this host, say so now, not after compiling them all.
  const host = hostPlatform();
  const platforms = options.platforms ?? [];
  if (
    output &&
    output.kind !== 'oci' &&
    platforms.length > 1 &&
    !platforms.some((p) => platformMatches(host, p))
  ) {
    throw new MinnowError(
      'PLATFORM_NOT_FOUND',
      `--output ${output.kind} takes one image: this host's (${formatPlatform(host)}) of several platforms, and --platform does not build it`,
      { hint: `add ${formatPlatform(host)} to --platform, build one platform, or use --output oci:DIR` },
    );
  }
  if (options.compression && output && output.kind !== 'oci') {
    const forEngine = compressionForEngine(options.compression);
    options.compression = forEngine.choice;
    if (forEngine.note && !flags.quiet)
      process.stderr.write(`minnow: --output ${output.kind}: ${forEngine.note}\n`);
  }
  // The writers (tar, the image model) load while Go compiles.
  const writers = import('../../publish/output.js');
  writers.catch(() => undefined);
  const trap = trapSignals();
  try {
    const buildOptions = {
      ...options,
      signal: trap.signal,
      onProgress: (e: { message: string }) => progress.update(e.message),
      registry: registryReadOptions(flags, (e) => progress.transfer(e)),
    };
    const result = flags.verifyReproducible
      ? (
          await (
            await import('../../build/verify-reproducible.js')
          ).verifyReproducible({
            build,
            options: buildOptions,
            freshGoCache: flags.verifyFreshCache ?? false,
          })
        ).result
      : await build(buildOptions);
    const app = result.images[0]?.binaries[0]?.name ?? 'app';
    const name = named?.name ?? app;
    progress.update(`writing ${flags.output ?? 'OCI layout'}`);
    const { writeOutput } = await writers;
    const written = await writeOutput(result.target, output ?? defaultOutput(app), {
      name,
      ...(named ? { tag: named.tag } : {}),
      force: flags.force ?? false,
      signal: trap.signal,
    });
    let article;
    if (flags.compare) {
      progress.update('building the article-style binary for comparison');
      article = await articleBaseline(result, {
        dir: options.dir ?? process.cwd(),
        goPath: await findGo(options.goPath ? { goPath: options.goPath } : {}),
        ...(options.tags ? { tags: options.tags } : {}),
        ...(typeof options.caCerts === 'string' ? { caCerts: options.caCerts } : {}),
      });
    }
    if (flags.sbom) {
      progress.update(`writing the SBOM to ${flags.sbom}`);
      const { writeBuildSbom } = await import('./build-sbom.js');
      await writeBuildSbom(result, flags.sbom, flags.sbomFormat, name);
    }
    progress.stop();
    const bars = createTransferRenderer(!flags.json && !flags.quiet);
    const pushed = await pushAll(
      result.target,
      pushRefs,
      flags,
      (e) => bars.onProgress(e),
      trap.signal,
    ).finally(() => bars.stop());
    const summary = await summarizeBuild(result, written, article, {
      reproducible: flags.verifyReproducible ?? false,
    });
    if (flags.json)
      process.stdout.write(`${JSON.stringify(pushed.length ? { ...summary, pushed } : summary, null, 2)}\n`);
    else if (flags.quiet) process.stdout.write(`${summary.digest}\n`);
    else process.stdout.write(renderBuildSummary(summary, { dim: pc.dim, bold: pc.bold }));
    if (!flags.json) for (const p of pushed) process.stdout.write(`${p.ref}\n`);
  } catch (err) {
    progress.stop();
    // Stopped by Ctrl-C or SIGTERM: say that, not what the abort made the work fail with.
    const interrupted = trap.interrupted(err);
    if (interrupted) throw interrupted;
    printCompilerOutput(err);
    throw err;
  } finally {
    trap.release();
  }
}

/** Registers `minnow build`. */
export function register(program: Command): void {
  const command = program
    .command('build')
    .description('Build a Go app into the smallest runnable image, without a Docker daemon')
    .argument('[source...]', 'module directory (default .) or Go package patterns such as ./cmd/...')
    .option(
      '--base <spec>',
      'base image: static (default), scratch, oci:DIR[:TAG], docker-archive:FILE, daemon:NAME[:TAG] or a registry reference',
    )
    .option(
      '--platform <list>',
      'comma list of os/arch[/variant] (default: this host), e.g. linux/amd64,linux/arm64, or all (every platform of the base)',
    )
    .option(
      '-o, --output <spec>',
      'oci:DIR[:TAG], docker:FILE.tar or daemon[:NAME[:TAG]] (default oci:.minnow/<app>:latest)',
    )
    .option('--force', 'replace an output path that exists and is something else')
    .option('--go <path>', 'the go command to use')
    .option('--ldflags <flags>', 'extra linker flags, after -s -w -buildid=')
    .option('--tags <list>', 'comma list of Go build tags')
    .option('--go-env <K=V>', 'extra Go environment variable (repeatable)', collect, [])
    .option('--user <uid[:gid]>', 'user the app runs as (default 65532:65532)')
    .option('--workdir <dir>', 'working directory')
    .option('--entrypoint <cmd>', 'entrypoint, as a JSON array or a command line (default ["/app/<name>"])')
    .option('--arg <arg>', 'argument passed to the entrypoint (Cmd; repeatable)', collect, [])
    .option('--env <K=V>', 'environment variable (repeatable)', collect, [])
    .option('--port <port[/proto]>', 'exposed port (repeatable)', collect, [])
    .option('--label <K=V>', 'image label (repeatable)', collect, [])
    .option('--annotation <K=V>', 'manifest annotation (repeatable)', collect, [])
    .option('--ca-certs <file>', 'CA bundle for built-in bases (default: the host bundle)')
    .option('--no-ca-certs', 'no CA bundle in a built-in base')
    .option('--tzdata', 'add time zone data')
    .option('--compression <alg[:level]>', `layer compression: ${compressionHelp()}`)
    .option('--data <dir>', 'copy a directory read-only to /app/data (MINNOW_DATA_PATH names it)')
    .option(
      '--verify-reproducible',
      'build twice from two copies in different paths and fail if the digests differ',
    )
    .option('--verify-fresh-cache', 'with --verify-reproducible: give the second build an empty GOCACHE')
    .option('--compare', "also build the app the article's way (without -s -w) and show the difference")
    .option('--sbom <file>', 'also write the SBOM of the built image (first platform)')
    .option('--sbom-format <format>', 'spdx-json or cyclonedx-json', 'spdx-json')
    .option('--json', 'print one JSON object instead of the summary')
    .option('-q, --quiet', 'print only the digest')
    .action((args: string[], flags: BuildFlags) => run(args, flags));
  addRegistryOptions(command);
}
