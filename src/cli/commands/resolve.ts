import type { Command } from 'commander';
import pc from 'picocolors';
import { build } from '../../build/build.js';
import type { BuildOptions } from '../../build/types.js';
import { parsePlatformList } from '../../build/validate.js';
import { loadConfig } from '../../config/load-config.js';
import { findModuleRoot, readModulePath } from '../../config/module-path.js';
import { MinnowError } from '../../errors.js';
import { printConfigWarnings } from '../config-warnings.js';
import {
  addKoPublishOptions,
  checkTagOnly,
  type KoPublishFlags,
  writeImageRefs,
} from '../ko-publish-flags.js';
import { printCompilerOutput } from '../exit.js';
import { pushImage } from '../../publish/registry.js';
import { RegistryClient } from '../../registry/client.js';
import { chooseRepo, NAMING_STRATEGIES, type NamingStrategy } from '../../resolve/image-name.js';
import { packagePublisher } from '../../resolve/package-publisher.js';
import { sinksForImages } from '../../resolve/image-sinks.js';
import { readManifests } from '../../resolve/read-manifests.js';
import { parseSelector, selectDocuments } from '../../resolve/select-documents.js';
import {
  joinManifests,
  resolveManifests,
  type Publisher,
  type ResolveResult,
} from '../../resolve/resolve-manifests.js';
import { createProgress } from '../progress.js';
import {
  attestPushed,
  checkAttestFlags,
  configAttest,
  loadSigner,
  provenanceOptions,
  withAttestConfig,
} from '../attest-flags.js';
import { withSignals } from '../signals.js';
import { addDebugOptions, debugOptionsFrom, type DebugFlags } from '../debug-flags.js';

/** Flags of every command that builds packages and pushes them (`resolve`, `apply`, `create`, `delete`, `run`). */
export interface PublishFlags extends KoPublishFlags, DebugFlags {
  repo?: string;
  naming: string;
  tag: string[];
  platform?: string;
  base?: string;
  jobs?: string;
  dir?: string;
  insecureRegistry: string[];
  output?: string;
  quiet?: boolean;
  disableOptimizations?: boolean;
  containerdAddress?: string;
  /** `none`: no SBOM referrer on pushed images. */
  sbom?: string;
  sbomFormat?: string;
  provenance?: string;
  signKey?: string;
}

/** Flags shared by `minnow resolve`, `apply`, `create` and `delete`: the publish flags and which YAML to read. */
export interface ResolveFlags extends PublishFlags {
  filename: string[];
  recursive?: boolean;
  selector?: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** The repository local images are named in when no --repo is given (like ko's ko.local). */
const LOCAL_REPO = 'minnow.local';
/** ko's name for "the local Engine" as a repository (`KO_DOCKER_REPO=ko.local`). */
const KO_LOCAL = 'ko.local';

/** Adds the resolve flags to a command: which YAML to read, then the publish flags. */
export function withResolveOptions(cmd: Command): Command {
  return withPublishOptions(withManifestOptions(cmd));
}

/** Adds the flags saying which YAML to read: -f (files, directories, URLs, stdin), -R and -l. */
export function withManifestOptions(cmd: Command): Command {
  return cmd
    .option(
      '-f, --filename <path>',
      'a YAML file, a directory of them, an http(s):// URL, or - for stdin (repeatable)',
      collect,
      [],
    )
    .option('-R, --recursive', 'read directories given with -f all the way down')
    .option(
      '-l, --selector <query>',
      'only the YAML documents whose labels match, e.g. -l app=web,tier!=db (=, ==, !=, key, !key)',
    );
}

/** Adds the flags of building packages and pushing them to a command. */
export function withPublishOptions(cmd: Command): Command {
  cmd
    .option('--repo <repo>', 'where images are pushed (default $MINNOW_REPO, then minnow.yaml repo)')
    .option('--naming <how>', `image names under the repo: ${NAMING_STRATEGIES.join(', ')}`, 'base')
    .option('-t, --tag <tag>', 'tag pushed with each image (repeatable; default latest)', collect, [])
    .option(
      '--platform <list>',
      'comma list of os/arch[/variant], or all (default: minnow.yaml, else this host)',
    )
    .option('--base <spec>', 'base image (default: minnow.yaml, else static)')
    .option('-j, --jobs <n>', 'packages built and pushed at once (default: CPU count)')
    .option('-C, --dir <dir>', 'the Go module the packages belong to (default .)')
    .option(
      '--insecure-registry <host>',
      'allow plain HTTP or an unverified certificate for this host',
      collect,
      [],
    )
    .option(
      '-o, --output <spec>',
      `put the images there instead of pushing: daemon (each as REPO/NAME:TAG; REPO default ${LOCAL_REPO}; also when the repo is ${KO_LOCAL}), containerd[:NS] or oci:DIR (tagged NAME)`,
    )
    .option(
      '--containerd-address <socket>',
      'containerd’s socket for --output containerd (default $CONTAINERD_ADDRESS, else /run/containerd/containerd.sock)',
    )
    .option(
      '--disable-optimizations',
      'build the apps with -gcflags=all=-N -l and keep their symbols, for a debugger (ko --disable-optimizations)',
    )
    .option('-q, --quiet', 'no progress line and no list of pushed images on stderr')
    .option('--sbom <none>', 'none: attach no SBOM to pushed images')
    .option('--sbom-format <format>', 'the attached SBOM: spdx-json (default) or cyclonedx-json')
    .option('--provenance <none>', 'none: attach no SLSA provenance to pushed images')
    .option(
      '--sign-key <file>',
      "sign pushed images and their attestations with this key (cosign's format or PKCS#8)",
    );
  addKoPublishOptions(cmd);
  addDebugOptions(cmd);
  return cmd;
}

/** The package publisher the flags describe, and what the CLI must close after. */
export interface FlagPublisher {
  publish: Publisher;
  /** The root of the Go module the packages belong to, when there is one. */
  moduleDir: string | undefined;
  modulePath: string | undefined;
  jobs: number | undefined;
  progress: ReturnType<typeof createProgress>;
  close(): Promise<void>;
}

/** Checks the publish flags and makes the publisher they describe (builds with minnow.yaml, pushes or sinks). */
export async function publisherFromFlags(flags: PublishFlags): Promise<FlagPublisher> {
  if (!(NAMING_STRATEGIES as readonly string[]).includes(flags.naming)) {
    throw new MinnowError('INVALID_ARGUMENT', `invalid --naming ${flags.naming}`, {
      hint: `one of ${NAMING_STRATEGIES.join(', ')}`,
    });
  }
  for (const tag of flags.tag) {
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) {
      throw new MinnowError('INVALID_ARGUMENT', `invalid --tag "${tag}"`, {
        hint: 'tags are A-Z a-z 0-9 _ . -, up to 128',
      });
    }
  }
  checkTagOnly(flags);
  const jobs = flags.jobs === undefined ? undefined : Number(flags.jobs);
  if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 1)) {
    throw new MinnowError('INVALID_ARGUMENT', `invalid --jobs ${flags.jobs}: want a whole number from 1`);
  }
  const overrides: BuildOptions = {
    ...(flags.platform && flags.platform.trim() !== 'all'
      ? { platforms: parsePlatformList(flags.platform) }
      : {}),
    ...(flags.base ? { base: flags.base } : {}),
    ...(flags.disableOptimizations ? { disableOptimizations: true } : {}),
    ...(flags.insecureRegistry.length ? { registry: { insecureRegistries: flags.insecureRegistry } } : {}),
    ...debugOptionsFrom(flags),
  };
  const dir = flags.dir ?? process.cwd();
  const moduleDir = await findModuleRoot(dir);
  const config = moduleDir ? await loadConfig(moduleDir) : undefined;
  printConfigWarnings(config);
  const modulePath = moduleDir ? await readModulePath(moduleDir) : undefined;
  // ko's KO_DOCKER_REPO=ko.local: the images go to the local Engine, not to a registry of that name. (The
  // fallback only stands in for "none named": that case is refused below, as before.)
  const named = flags.output
    ? undefined
    : chooseRepo(flags.repo, process.env, config?.config.repo ?? LOCAL_REPO);
  const output = flags.output ?? (named === KO_LOCAL ? 'daemon' : undefined);
  const sinkFor = output
    ? sinksForImages(output, {
        flag: '--output',
        ...(flags.containerdAddress ? { containerdAddress: flags.containerdAddress } : {}),
      })
    : undefined;
  // What every push proves, as build --push does: the flags over minnow.yaml's attest block, the key read first.
  const attest = withAttestConfig(flags, configAttest(config));
  checkAttestFlags(attest);
  if (attest.sbom !== undefined && attest.sbom !== 'none') {
    throw new MinnowError('INVALID_ARGUMENT', `invalid --sbom "${attest.sbom}": the only value is none`);
  }
  const signer = !sinkFor && attest.signKey ? await loadSigner(attest.signKey) : undefined;
  const progress = createProgress(!flags.quiet);
  let done = 0;
  const client = new RegistryClient({ insecureRegistries: flags.insecureRegistry });
  const publish = packagePublisher({
    dir,
    repo: chooseRepo(flags.repo, process.env, config?.config.repo ?? (sinkFor ? LOCAL_REPO : undefined)),
    naming: flags.naming as NamingStrategy,
    tags: flags.tag,
    ...(flags.tagOnly ? { tagOnly: true } : {}),
    overrides,
    ...(flags.platform?.trim() === 'all' ? { allPlatforms: true } : {}),
    build,
    ...(sinkFor
      ? { sinkFor }
      : {
          push: async (ref, target, o) => {
            const pushed = await pushImage(ref, target, { ...o, client });
            await attestPushed(target, [pushed], attest, {
              provenance: provenanceOptions(overrides),
              ...(signer ? { signer } : {}),
              ...(o.signal ? { signal: o.signal } : {}),
            });
            return pushed;
          },
        }),
    onEvent: (e) => {
      if (e.phase === 'done') done++;
      progress.update(e.phase === 'done' ? `${done} pushed: ${e.image}` : `${e.phase} ${e.importPath}`);
    },
  });
  return {
    publish,
    moduleDir,
    modulePath,
    jobs,
    progress,
    close: async () => {
      progress.stop();
      await client.close();
    },
  };
}

/** Reads the manifests, builds and pushes every referenced package once, and returns the rewritten YAML. */
export async function resolveFromFlags(flags: ResolveFlags, signal: AbortSignal): Promise<ResolveResult> {
  if (flags.filename.length === 0) {
    throw new MinnowError('INVALID_ARGUMENT', 'no manifests given', { hint: 'pass -f FILE, -f DIR or -f -' });
  }
  const selector = flags.selector === undefined ? undefined : parseSelector(flags.selector);
  const publisher = await publisherFromFlags(flags);
  return usingPublisher(publisher, async () => {
    const read = await readManifests(flags.filename, { recursive: flags.recursive ?? false, signal });
    const sources = selector ? selectDocuments(read, selector) : read;
    return resolveManifests(sources, {
      publish: publisher.publish,
      ...(publisher.jobs ? { concurrency: publisher.jobs } : {}),
      ...(publisher.modulePath ? { modulePath: publisher.modulePath } : {}),
      ...(flags.tagOnly ? { tagOnly: true } : {}),
      signal,
    });
  });
}

/** Runs `fn` with the publisher, printing the compiler's output when a build failed, and closes it after. */
export async function usingPublisher<T>(publisher: FlagPublisher, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    publisher.progress.stop();
    printCompilerOutput(err);
    throw err;
  } finally {
    await publisher.close();
  }
}

/** Tells stderr (stdout carries the YAML) which image each package became, unless quiet. */
export function reportImages(result: ResolveResult, quiet: boolean | undefined): void {
  if (quiet) return;
  for (const [pkg, image] of result.images) process.stderr.write(`${pc.dim(pkg)} ${image}\n`);
  process.stderr.write(
    pc.dim(
      `${result.references.length} reference(s) in ${result.manifests.length} file(s), ${result.images.size} image(s) pushed\n`,
    ),
  );
}

/** Runs `fn` with an AbortSignal that SIGINT and SIGTERM trip (see cli/signals.ts). */
export { withSignals };

/** Registers `minnow resolve`. */
export function register(program: Command): void {
  withResolveOptions(
    program
      .command('resolve')
      .description(
        'Build and push every minnow://<go package> in Kubernetes YAML and print it with REPO/NAME@sha256:… in their place',
      ),
  ).action(async (flags: ResolveFlags) => {
    const result = await withSignals((signal) => resolveFromFlags(flags, signal));
    await writeImageRefs(flags, [...result.images.values()]);
    reportImages(result, flags.quiet);
    process.stdout.write(joinManifests(result.manifests));
  });
}
