import type { SbomFormat } from '../analyze/sbom/index.js';
import type { ArticleBaseline } from '../build/article-baseline.js';
import { build } from '../build/build.js';
import type { BuildOptions, BuildResult } from '../build/types.js';
import { configuredBuild, mergeBuildOptions, type ConfiguredBuild } from '../config/build-options.js';
import type { AttestSettings } from '../config/schema.js';
import { MinnowError } from '../errors.js';
import { hostPlatform } from '../oci/platform.js';
import type { PushResult } from '../publish/registry.js';
import { fanOut } from '../publish/sinks/fan-out.js';
import { ignoreOutputDir } from '../publish/output-dir.js';
import { defaultLayoutSink } from '../publish/sinks/layout.js';
import type { ImageName, Sink, SinkResult } from '../publish/sinks/sink.js';
import type { ProgressCallback } from '../registry/progress.js';
import { summarizeBuild, type BuildSummary } from '../report/build-summary.js';

/** Options of `buildAndPublish`: everything `build()` takes, plus where the result goes and what else to do. */
export interface BuildAndPublishOptions extends BuildOptions {
  /**
   * Every platform of the base (`--platform all`). Default: as minnow.yaml says (`platforms: all`), unless
   * `platforms` is given; false ignores minnow.yaml's `all`.
   */
  allPlatforms?: boolean;
  /** Read minnow.yaml from the module and put these options over it. Default true. */
  useConfig?: boolean;
  /**
   * Where the result goes, in order (see `createSink`, `registrySinks`): local sinks are written first, registry
   * sinks after the SBOM. Default: an OCI layout at `.minnow/<app>` tagged `latest`.
   */
  sinks?: Sink[];
  /**
   * Write the default OCI layout (`.minnow/<app>:latest`) when no sink is local, as `minnow build --push` does.
   * Default: only when `sinks` is empty.
   */
  defaultLayout?: boolean;
  /** Replace a default layout path that exists and is something else. Default false. */
  force?: boolean;
  /** The image's name for sinks that record one (docker tarballs, the Engine). Default `<app>:<tag>`. */
  name?: ImageName;
  /** The tag of the default layout and, when `name` is not given, of `<app>:<tag>`. Default `latest`. */
  tag?: string;
  /**
   * Called with minnow.yaml's `attest` block once the options are read, before Go starts, when there is
   * something to push; the pushes wait for it. A caller that signs reads its key here: the password's scrypt
   * overlaps the build, and a bad key fails before anything reaches a registry.
   */
  preparePush?: (attest: AttestSettings | undefined) => Promise<void>;
  /**
   * The caller signs what it writes to an OCI layout too (`--sign-key`): `preparePush` is then called for a build
   * that writes a layout as well, and awaited before the layout is written, so a bad key fails before anything is.
   * (minnow.yaml's `attest.signKey` signs pushes only: a dev build would ask for its password every time.)
   */
  signsLayouts?: boolean;
  /** Build twice from two copies in different paths and fail (NOT_REPRODUCIBLE) if the digests differ. */
  verifyReproducible?: boolean;
  /** With `verifyReproducible`: the second build gets an empty GOCACHE. Default false. */
  verifyFreshCache?: boolean;
  /** Also build the app the article's way (without -s -w) for the summary's comparison. Default false. */
  compare?: boolean;
  /** Also write the SBOM of the first platform's image to this file. */
  sbom?: { file: string; format: SbomFormat };
  /** What the pipeline is doing, one message per step (`building`, `writing oci:…`). */
  onStep?: (message: string) => void;
  /** Per-blob progress of pulls (bases) and pushes (registry sinks). */
  onTransfer?: ProgressCallback;
}

/** What `buildAndPublish` did. */
export interface BuildReport {
  /** The build itself: images, binaries, the target. */
  result: BuildResult;
  /** The summary `minnow build` prints (of the first local sink, else the first sink). */
  summary: BuildSummary;
  /** Every sink's result, in the order given (local ones first). */
  written: SinkResult[];
  /** What each registry sink pushed. */
  pushed: PushResult[];
  /** The article-style baseline, when `compare` was asked for. */
  article?: ArticleBaseline;
  /** What the config loader ignored (keys of a translated `.ko.yaml`), one sentence each. */
  configWarnings: string[];
  /** The options the build ran with: minnow.yaml merged under the caller's, `all` expanded. */
  options: BuildOptions;
  /** minnow.yaml's `attest` block (what pushes prove), for the caller to merge under its own flags. */
  attest?: AttestSettings;
}

/** The options as build() takes them: minnow.yaml under the caller's, `all` expanded with the base's platforms. */
async function resolveOptions(
  options: BuildOptions,
  allPlatforms: boolean | undefined,
  useConfig: boolean,
): Promise<{ options: BuildOptions; warnings: string[]; attest?: AttestSettings }> {
  const dir = options.dir ?? process.cwd();
  const configured: ConfiguredBuild = useConfig
    ? await configuredBuild(dir, options.packages)
    : { options: {} };
  const merged = mergeBuildOptions(configured.options, options);
  const all = allPlatforms ?? (configured.allPlatforms === true && options.platforms === undefined);
  if (all) {
    const { allPlatforms } = await import('../build/all-platforms.js');
    merged.platforms = await allPlatforms(merged.base ?? 'static', {
      ...(merged.cacheDir ? { cacheDir: merged.cacheDir } : {}),
      ...(merged.registry ? { registry: merged.registry } : {}),
      ...(merged.signal ? { signal: merged.signal } : {}),
    });
  }
  return {
    options: merged,
    warnings: configured.config?.warnings ?? [],
    ...(configured.attest ? { attest: configured.attest } : {}),
  };
}

/**
 * What `minnow build` does, as a library call: minnow.yaml merged under the options, `all` platforms expanded,
 * every sink checked before anything compiles, one build (or two with `verifyReproducible`), the result written
 * to each local sink, the optional article comparison and SBOM, then the pushes; returns the report the CLI
 * prints. Nothing is printed: progress goes to `onStep` and `onTransfer`. `signal` stops every step.
 */
export async function buildAndPublish(options: BuildAndPublishOptions = {}): Promise<BuildReport> {
  const {
    allPlatforms,
    useConfig,
    sinks: given,
    defaultLayout,
    force,
    name: givenName,
    tag: givenTag,
    verifyReproducible,
    verifyFreshCache,
    compare,
    sbom,
    preparePush,
    signsLayouts,
    onStep,
    onTransfer,
    ...forBuild
  } = options;
  const step = onStep ?? (() => undefined);
  step('reading options');
  const withTransfer: BuildOptions = onTransfer
    ? { ...forBuild, registry: { ...forBuild.registry, onProgress: onTransfer } }
    : forBuild;
  const {
    options: resolved,
    warnings: configWarnings,
    attest,
  } = await resolveOptions(withTransfer, allPlatforms, useConfig ?? true);
  const sinks = given ?? [];
  const plan = { platforms: resolved.platforms ?? [hostPlatform()] };
  for (const sink of sinks) await sink.check(plan);
  // Started now, awaited before the first push; a failure waits there too (never an unhandled rejection).
  const writesLayout =
    sinks.some((s) => s.kind === 'oci') ||
    (!sinks.some((s) => s.kind !== 'registry') && (defaultLayout ?? sinks.length === 0));
  const signedLayout = writesLayout && signsLayouts === true;
  const prepared =
    sinks.some((s) => s.kind === 'registry') || signedLayout ? preparePush?.(attest) : undefined;
  prepared?.catch(() => undefined);
  const buildOptions: BuildOptions = {
    ...resolved,
    onProgress: (e) => {
      step(e.message);
      resolved.onProgress?.(e);
    },
  };
  const result = verifyReproducible
    ? (
        await (
          await import('../build/verify-reproducible.js')
        ).verifyReproducible({
          build,
          options: buildOptions,
          freshGoCache: verifyFreshCache ?? false,
        })
      ).result
    : await build(buildOptions);
  const app = result.images[0]?.binaries[0]?.name ?? 'app';
  const name = givenName ?? { name: app, tag: givenTag ?? 'latest' };
  const remote = sinks.filter((s) => s.kind === 'registry');
  let local = sinks.filter((s) => s.kind !== 'registry');
  if (local.length === 0 && (defaultLayout ?? sinks.length === 0)) {
    local = [defaultLayoutSink(app, process.cwd(), force ?? false, givenTag)];
    await ignoreOutputDir();
  }
  const write = { name, ...(options.signal ? { signal: options.signal } : {}) };
  const written: SinkResult[] = [];
  if (local.length) {
    if (signedLayout) await prepared;
    step(`writing ${local.map((s) => s.description).join(', ')}`);
    written.push(...((await fanOut(local).write(result.target, write)).results ?? []));
  }
  let article: ArticleBaseline | undefined;
  if (compare) {
    step('building the article-style binary for comparison');
    const [{ articleBaseline }, { findGo }] = await Promise.all([
      import('../build/article-baseline.js'),
      import('../go/find-go.js'),
    ]);
    article = await articleBaseline(result, {
      dir: resolved.dir ?? process.cwd(),
      goPath: await findGo(resolved.goPath ? { goPath: resolved.goPath } : {}),
      ...(resolved.tags ? { tags: resolved.tags } : {}),
      ...(typeof resolved.caCerts === 'string' ? { caCerts: resolved.caCerts } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }
  if (sbom) {
    step(`writing the SBOM to ${sbom.file}`);
    const { writeBuildSbom } = await import('./build-sbom.js');
    await writeBuildSbom(result, sbom.file, sbom.format, name.name);
  }
  if (remote.length) {
    // Whatever the pushes need ready (a signing key read and decrypted) fails here, before anything is pushed.
    await prepared;
    step(`pushing to ${remote.map((s) => s.description).join(', ')}`);
    const pushes = await fanOut(remote).write(result.target, {
      ...write,
      ...(onTransfer ? { onProgress: onTransfer } : {}),
    });
    written.push(...(pushes.results ?? []));
  }
  const localResults = written.filter((w) => w.kind !== 'registry');
  const first = localResults[0] ?? written[0];
  if (!first) throw new MinnowError('INTERNAL', 'buildAndPublish: nothing was written');
  const summarized = await summarizeBuild(result, first, article, {
    reproducible: verifyReproducible ?? false,
  });
  const also = localResults.slice(1);
  const note = written.find((w) => w.note)?.note;
  const summary: BuildSummary = {
    ...summarized,
    ...(note ? { note } : {}),
    ...(also.length ? { alsoWritten: also.map((w) => w.reference) } : {}),
  };
  const pushed = written.flatMap((w) => (w.push ? [w.push] : []));
  return {
    result,
    summary,
    written,
    pushed,
    ...(article ? { article } : {}),
    configWarnings,
    ...(attest ? { attest } : {}),
    options: resolved,
  };
}
