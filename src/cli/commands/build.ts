import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import pc from '../colors.js';
import { sourceGrammar, sourceHelpTable } from '../../base/resolve.js';
import { compressionForEngine, compressionHelp, parseCompression } from '../../build/compression-choice.js';
import type { BuildOptions } from '../../build/types.js';
import { LABEL_KEY, parseKeyValues, parsePlatformList } from '../../build/validate.js';
import { MinnowError } from '../../errors.js';
import { printConfigWarnings } from '../config-warnings.js';
import { printCompilerOutput } from '../exit.js';
import { buildAndPublish } from '../../pipeline/build-and-publish.js';
import { isValidTag, parseNameTag } from '../../publish/image-name.js';
import { createSink, sinkForms } from '../../publish/sinks/kinds.js';
import { appRepositorySink, registrySinks } from '../../publish/sinks/registry.js';
import type { Sink } from '../../publish/sinks/sink.js';
import { renderBuildSummary } from '../../report/build-summary.js';
import {
  addRegistryOptions,
  pushTargets,
  registryReadOptions,
  type RegistryFlags,
} from '../registry-flags.js';
import {
  addAttestOptions,
  attestLayouts,
  attestPushed,
  withAttestConfig,
  loadSigner,
  preloadAttest,
  checkAttestFlags,
  provenanceOptions,
  type AttestFlags,
} from '../attest-flags.js';
import { addDebugOptions, debugOptionsFrom, type DebugFlags } from '../debug-flags.js';
import {
  addKoPublishOptions,
  checkTagOnly,
  writeImageRefs,
  type KoPublishFlags,
} from '../ko-publish-flags.js';
import { trapSignals } from '../signals.js';
import type { Signer } from '../../attest/signer.js';
import { createStepProgress } from '../step-progress.js';

interface BuildFlags extends RegistryFlags, AttestFlags, DebugFlags, KoPublishFlags {
  base?: string;
  data?: string;
  verifyReproducible?: boolean;
  verifyFreshCache?: boolean;
  platform?: string;
  output: string[];
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
  capability: string[];
  disableOptimizations?: boolean;
  containerdAddress?: string;
  compression?: string;
  compressionLevel?: string;
  compare?: boolean;
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

/** `--compression ALG[:LEVEL]`, with `--compression-level N` as the level of whichever algorithm is chosen. */
function compressionFrom(
  spec: string | undefined,
  level: string | undefined,
): ReturnType<typeof parseCompression> {
  const choice = parseCompression(spec ?? 'gzip');
  return level === undefined ? choice : parseCompression(`${choice.algorithm}:${level}`);
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
    ...(flags.capability.length ? { capabilities: flags.capability } : {}),
    ...(flags.disableOptimizations ? { disableOptimizations: true } : {}),
    ...(flags.compression !== undefined || flags.compressionLevel !== undefined
      ? { compression: compressionFrom(flags.compression, flags.compressionLevel) }
      : {}),
    ...debugOptionsFrom(flags),
  };
}

/**
 * `-t` always names a tag (never `docker build -t`'s NAME:TAG): the tags pushed with --repo, and the first one
 * tags the local outputs (docker:/daemon named REPO or the app, the default layout). A name goes in the output
 * spec instead (`-o daemon:NAME:TAG`), and the error says so.
 */
function localName(flags: BuildFlags): { name?: { name: string; tag: string }; tag?: string } {
  for (const tag of flags.tag) {
    if (!isValidTag(tag)) {
      throw new MinnowError(
        'INVALID_ARGUMENT',
        `-t "${tag}" is not a tag: -t takes a tag such as v1 (name a local image with -o daemon:NAME:TAG)`,
        { subject: tag },
      );
    }
  }
  const tag = flags.tag[0];
  if (flags.repo) return { name: parseNameTag(`${flags.repo}:${tag ?? 'latest'}`) };
  return tag !== undefined ? { tag } : {};
}

/**
 * `MINNOW_REPO` (or ko's `KO_DOCKER_REPO`) when the flags name no destination at all (no --push, --repo or
 * --output): the build is pushed to REPO/<app>, as `ko build` pushes to KO_DOCKER_REPO.
 */
export function environmentRepo(
  flags: Pick<BuildFlags, 'push' | 'repo' | 'output'>,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (flags.push.length || flags.repo || flags.output.length) return undefined;
  return env.MINNOW_REPO || env.KO_DOCKER_REPO || undefined;
}

/** `--output` (repeatable) and `--push`/`--repo` as one list of sinks, every spec checked for its grammar. */
function sinksFrom(flags: BuildFlags): Sink[] {
  const force = flags.force ?? false;
  const registry = { insecureRegistries: flags.insecureRegistry };
  const outputs = flags.output.map((o) =>
    createSink(o, {
      flag: '--output',
      force,
      registry,
      ...(flags.offline ? { offline: true } : {}),
      ...(flags.containerdAddress ? { containerdAddress: flags.containerdAddress } : {}),
    }),
  );
  const envRepo = environmentRepo(flags);
  // ko's KO_DOCKER_REPO=ko.local: the local Engine, the image named ko.local/<app>:<tag>.
  if (envRepo === 'ko.local') {
    const engine = createSink('daemon', { flag: 'KO_DOCKER_REPO' });
    return [
      {
        ...engine,
        write: (target, write = {}) =>
          engine.write(target, {
            ...write,
            name: { name: `ko.local/${write.name?.name ?? 'app'}`, tag: write.name?.tag ?? 'latest' },
          }),
      },
    ];
  }
  if (envRepo) {
    return [
      appRepositorySink(envRepo, {
        registry,
        offline: flags.offline ?? false,
        flag: process.env.MINNOW_REPO ? 'MINNOW_REPO' : 'KO_DOCKER_REPO',
        tags: flags.tag,
      }),
    ];
  }
  return [
    ...outputs,
    ...registrySinks(pushTargets(flags), {
      registry,
      offline: flags.offline ?? false,
      flag: '--push',
    }),
  ];
}

async function run(args: string[], flags: BuildFlags): Promise<void> {
  const progress = createStepProgress(!flags.json && !flags.quiet);
  progress.update('reading options');
  const fromFlags = await buildOptionsFrom(args, flags);
  // The SBOM module loads only when asked for: the default format needs no check before Go starts.
  const sbomFormat =
    flags.sbomFormat === undefined || flags.sbomFormat === 'spdx-json'
      ? 'spdx-json'
      : (await import('../../analyze/sbom/index.js')).parseSbomFormat(flags.sbomFormat);
  checkAttestFlags(flags);
  checkTagOnly(flags);
  const name = localName(flags);
  const sinks = sinksFrom(flags);
  // The Engine 20.10 and docker load read gzip only: those outputs keep gzip, and say so.
  const engineBound = sinks.find((s) => s.kind === 'daemon' || s.kind === 'docker');
  if (fromFlags.compression && engineBound) {
    const forEngine = compressionForEngine(fromFlags.compression);
    fromFlags.compression = forEngine.choice;
    if (forEngine.note && !flags.quiet)
      process.stderr.write(`minnow: --output ${engineBound.kind}: ${forEngine.note}\n`);
  }
  // Set before the first push: the flags over minnow.yaml's attest block, and the key they name, read.
  let attest: AttestFlags | undefined;
  let signer: Signer | undefined;
  const trap = trapSignals();
  try {
    const report = await buildAndPublish({
      ...fromFlags,
      ...(flags.platform !== undefined ? { allPlatforms: flags.platform.trim() === 'all' } : {}),
      registry: registryReadOptions(flags),
      sinks,
      defaultLayout: flags.output.length === 0,
      force: flags.force ?? false,
      ...name,
      verifyReproducible: flags.verifyReproducible ?? false,
      verifyFreshCache: flags.verifyFreshCache ?? false,
      compare: flags.compare ?? false,
      ...(flags.sbom && flags.sbom !== 'none' ? { sbom: { file: flags.sbom, format: sbomFormat } } : {}),
      signsLayouts: flags.signKey !== undefined,
      preparePush: async (config) => {
        attest = withAttestConfig(flags, config);
        // The attestation modules load (and the key's scrypt runs) while Go builds.
        const preload = preloadAttest();
        if (attest.signKey) signer = await loadSigner(attest.signKey);
        await preload;
      },
      onStep: (message) => progress.update(message),
      onTransfer: (e) => progress.transfer(e),
      signal: trap.signal,
    });
    progress.stop();
    printConfigWarnings(report.configWarnings);
    const { summary, pushed } = report;
    // SBOM and provenance referrers (and signatures with --sign-key) for every pushed image.
    const attached = await attestPushed(
      report.result.target,
      pushed,
      attest ?? withAttestConfig(flags, report.attest),
      {
        ...(signer ? { signer } : {}),
        provenance: provenanceOptions(report.options),
        signal: trap.signal,
      },
    );
    // With --sign-key, the layouts written get them too (signed), to travel on with `minnow push`.
    const layouts = await attestLayouts(
      report.result.target,
      report.written,
      attest ?? withAttestConfig(flags, report.attest),
      {
        name: name.name?.name ?? report.result.images[0]?.binaries[0]?.name ?? 'app',
        provenance: provenanceOptions(report.options),
        // The flag, not minnow.yaml's key (build-and-publish.ts's signsLayouts).
        ...(signer && flags.signKey !== undefined ? { signer } : {}),
      },
    );
    if (flags.json)
      process.stdout.write(
        `${JSON.stringify(
          pushed.length || layouts.length
            ? {
                ...summary,
                ...(pushed.length ? { pushed, attached } : {}),
                ...(layouts.length ? { layoutAttestations: layouts } : {}),
              }
            : summary,
          null,
          2,
        )}\n`,
      );
    // -q prints one line per image: what was pushed (name@digest), else the digest.
    else if (flags.quiet && pushed.length === 0) process.stdout.write(`${summary.digest}\n`);
    else if (!flags.quiet) process.stdout.write(renderBuildSummary(summary, { dim: pc.dim, bold: pc.bold }));
    // --tag-only: the one tag names what was pushed, not its digest (ko's rule).
    const refs = pushed.map((p) => (flags.tagOnly ? (p.tags[0] ?? p.ref) : p.ref));
    if (!flags.json) for (const ref of refs) process.stdout.write(`${ref}\n`);
    await writeImageRefs(flags, refs.length ? refs : report.written.map((w) => w.reference));
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
    .option('--base <spec>', `base image (default static): ${sourceGrammar()}`)
    .option(
      '--platform <list>',
      'comma list of os/arch[/variant] (default: this host), e.g. linux/amd64,linux/arm64, or all (every platform of the base)',
    )
    .option(
      '-o, --output <spec>',
      `where the image goes (repeatable): ${sinkForms()} (default oci:.minnow/<app>:latest)`,
      collect,
      [],
    )
    .option('--force', 'replace an output path that exists and is something else')
    .option(
      '--containerd-address <socket>',
      'containerd’s socket for --output containerd (default $CONTAINERD_ADDRESS, else /run/containerd/containerd.sock)',
    )
    .option('--go <path>', 'the go command to use')
    .option('--ldflags <flags>', 'extra linker flags, after -s -w')
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
    .option(
      '--disable-optimizations',
      'build the app with -gcflags=all=-N -l and keep its symbols, for a debugger (ko --disable-optimizations)',
    )
    .option(
      '--capability <name>',
      "file capability of the app's binary, e.g. net_bind_service to bind port 80 as non-root (repeatable; ko's linux_capabilities)",
      collect,
      [],
    )
    .option('--compression <alg[:level]>', `layer compression: ${compressionHelp()}`)
    .option(
      '--compression-level <1-9>',
      'the level of --compression (default gzip 6), as in --compression gzip:9',
    )
    .option('--data <dir>', 'copy a directory read-only to /app/data (MINNOW_DATA_PATH names it)')
    .option(
      '--verify-reproducible',
      'build twice from two copies in different paths and fail if the digests differ',
    )
    .option('--verify-fresh-cache', 'with --verify-reproducible: give the second build an empty GOCACHE')
    .option('--compare', "also build the app the article's way (without -s -w) and show the difference")
    .option(
      '--sbom <file|none>',
      'also write the SBOM of the built image (first platform) to FILE; none: attach no SBOM to pushed images',
    )
    .option(
      '--sbom-format <format>',
      'spdx-json (default) or cyclonedx-json (written and attached; minnow.yaml attest.sbom)',
    )
    .option('--json', 'print one JSON object instead of the summary')
    .option('-q, --quiet', 'print only the digest')
    .addHelpText('after', `\n${sourceHelpTable()}`)
    .action((args: string[], flags: BuildFlags) => run(args, flags));
  addRegistryOptions(command);
  addAttestOptions(command);
  addDebugOptions(command);
  addKoPublishOptions(command);
}
