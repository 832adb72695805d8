import { readdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { isBuiltinBase } from '../base/builtin-names.js';
import { MinnowError } from '../errors.js';
import { formatReference, parseReference } from '../registry/reference.js';
import { DEBUG_GCFLAGS, goBuildInto } from '../go/build.js';
import { findGo } from '../go/find-go.js';
import { findMainPackages, type MainPackage } from '../go/list.js';
import { cachedMainPackages } from '../go/listing-cache.js';
import { canonicalPlatform, goEnvironment } from '../go/platform-env.js';
import { goInfo } from '../go/go-info.js';
import { parseCapability } from '../oci/file-capabilities.js';
import { formatPlatform, hostPlatform, type Platform } from '../oci/platform.js';
import type { Image } from '../oci/image.js';
import { minnowCacheDir } from '../util/cache-layout.js';
import { checkDelvePlatform, delveBinary, DELVE_VERSION } from '../go/delve.js';
import { checkDebugBinaries, debugEntrypoint, DEFAULT_DEBUG_PORT } from './debug.js';
import { DEFAULT_COMPRESSION } from './compression-choice.js';
import { entrypointFor } from './entrypoint.js';
import { startHelperWhenRelinking } from './helper-head-start.js';
import { readProvenance, rfc3339, type Provenance } from './provenance.js';
import type { BuildOptions, BuildResult, BuiltBinary, BuiltImage } from './types.js';
import { LABEL_KEY, normalizePort, normalizeUser, normalizeWorkdir } from './validate.js';
import { mapLimit } from '../util/map-limit.js';
import { buildWorkDir } from './workdir.js';

export * from './types.js';

/**
 * The base as `org.opencontainers.image.base.name` should name it: a registry base in its full form
 * (`docker.io/library/alpine:3.19`, as Docker and the OCI spec write it), anything else as given.
 */
export function baseName(spec: string): string {
  if (isBuiltinBase(spec) || /^(oci|docker-archive|daemon):/.test(spec)) return spec;
  try {
    return formatReference(parseReference(spec.replace(/^docker:\/\//, '')));
  } catch {
    return spec;
  }
}

/** Whether an earlier build of this work directory left binaries for any of `platforms`. */
function hasBinaries(work: string, platforms: Platform[]): boolean {
  return platforms.some((p) => {
    try {
      return readdirSync(binDirOf(work, p)).length > 0;
    } catch {
      return false;
    }
  });
}

/** The errors a full `go list` names better than go build's output does. */
const LISTING_ERRORS = new Set(['CGO_REQUIRED', 'NO_MAIN_PACKAGE', 'NOT_A_MODULE']);

/** The default user: distroless's nonroot. */
export const DEFAULT_USER = '65532:65532';

const slugOf = (p: Platform): string => formatPlatform(p).replaceAll('/', '-');
/** Where Go writes a platform's binaries. */
const binDirOf = (work: string, p: Platform): string => join(work, slugOf(p), 'bin');

function checkOptions(options: BuildOptions): { user: string; ports: string[]; workdir?: string } {
  for (const key of Object.keys(options.env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      throw new MinnowError('INVALID_ARGUMENT', `invalid --env name "${key}"`, { subject: key });
    }
  }
  for (const key of Object.keys(options.labels ?? {})) {
    if (!LABEL_KEY.test(key))
      throw new MinnowError('INVALID_ARGUMENT', `invalid label "${key}"`, { subject: key });
  }
  if (options.entrypoint && options.entrypoint.length === 0) {
    throw new MinnowError('INVALID_ARGUMENT', 'the entrypoint is empty');
  }
  return {
    user: normalizeUser(options.user ?? DEFAULT_USER),
    ports: (options.ports ?? []).map(normalizePort),
    ...(options.workdir ? { workdir: normalizeWorkdir(options.workdir) } : {}),
  };
}

function checkPlatforms(platforms: Platform[]): Platform[] {
  const seen = new Set<string>();
  for (const p of platforms) {
    const key = formatPlatform(p);
    if (seen.has(key)) throw new MinnowError('INVALID_ARGUMENT', `platform ${key} is given twice`);
    seen.add(key);
  }
  return platforms;
}

/**
 * Builds a Go app into an image. `go list` (which finds the main packages and refuses cgo, non-main and
 * non-module sources) and one static `go build` per platform start side by side, platforms in parallel bounded
 * by the CPU count, while the image model loads. Each platform's binaries go in one layer at /app/<name>
 * (0555, root-owned) on the base; the config gets the user (65532:65532 by default), entrypoint, env, ports and
 * labels. With more than one platform the target is an OCI index. Nothing is written outside minnow's cache:
 * hand the result to a sink (`writeOutput`, `writeLayout`, `writeTarball`, `writeDaemon`).
 */
export async function build(options: BuildOptions = {}): Promise<BuildResult> {
  const dir = resolvePath(options.dir ?? process.cwd());
  const checked = checkOptions(options);
  const platforms = checkPlatforms(
    (options.platforms?.length ? options.platforms : [hostPlatform()]).map(canonicalPlatform),
  );
  const progress = options.onProgress ?? (() => undefined);
  const signal = options.signal;
  const cacheDir = options.cacheDir ?? minnowCacheDir();
  const go = await findGo(options.goPath ? { goPath: options.goPath } : {});
  const envFor = (platform: Platform): NodeJS.ProcessEnv =>
    goEnvironment({ platform, ...(options.goEnv ? { goEnv: options.goEnv } : {}) });
  const firstEnv = envFor(platforms[0] as Platform);
  const baseSpec = options.base ?? 'static';
  const builtin = isBuiltinBase(baseSpec);
  const patterns = options.packages ?? ['.'];
  const tags = [...(options.tags ?? [])];
  // Off a built-in base there is no zoneinfo.zip to add: embed the database in the binary instead.
  if (options.tzdata && !builtin && !tags.includes('timetzdata')) tags.push('timetzdata');
  // Checked (and named canonically) before anything compiles: an unknown name is one line, exit 2.
  const capabilities = [...new Set((options.capabilities ?? []).map(parseCapability))].sort();

  const debug = options.debug;
  const debugPort = debug?.port ?? DEFAULT_DEBUG_PORT;
  if (debug) platforms.forEach(checkDelvePlatform);

  // A listing error (not a module, no main package, cgo) stops the compiles and wins: it says more.
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  // Keyed by everything that changes the binaries too: two builds of one source with other flags running at
  // the same time (compare, parallel tests) must not overwrite each other's binaries between compile and layer.
  const work = await buildWorkDir(cacheDir, dir, patterns, [
    options.ldflags ?? '',
    tags.join(','),
    JSON.stringify(options.goEnv ?? {}),
    JSON.stringify(options.goFlags ?? []),
    ...(debug ? ['debug'] : []),
    ...(options.disableOptimizations ? ['no-optimizations'] : []),
  ]);
  // The listing beside the compiles is quick (the named packages, not their imports): when go build fails, the
  // full listing says whether a dependency is the cause it can name (one that needs cgo), and that error wins.
  const explainFailure = async (err: unknown, platform: Platform): Promise<never> => {
    if (!(err instanceof MinnowError) || err.code !== 'GO_BUILD_FAILED' || stop.signal.aborted) throw err;
    const named = await findMainPackages(patterns, {
      go,
      dir,
      env: envFor(platform),
      signal: stop.signal,
    }).then(
      () => undefined,
      (listed: unknown) => listed,
    );
    throw named instanceof MinnowError && LISTING_ERRORS.has(named.code) ? named : err;
  };
  const compile = (platform: Platform, onSpawn?: () => void): Promise<void> => {
    progress({
      phase: 'compile',
      platform,
      message: `go build ${patterns.join(' ')} (${formatPlatform(platform)})`,
    });
    const running = goBuildInto({
      go,
      dir,
      env: envFor(platform),
      packages: patterns,
      outDir: binDirOf(work, platform),
      ...(options.ldflags ? { ldflags: options.ldflags } : {}),
      ...(tags.length ? { tags } : {}),
      ...(options.goFlags?.length ? { flags: options.goFlags } : {}),
      // --debug and --disable-optimizations both build unoptimized and unstripped (go/build.ts's debug mode).
      ...(debug || options.disableOptimizations ? { debug: true } : {}),
      signal: stop.signal,
      ...(onSpawn ? { onSpawn } : {}),
    }).catch((err: unknown) => explainFailure(err, platform));
    running.catch(() => undefined);
    return running;
  };
  // Delve for each platform builds (the first time; then it is cached) side by side with the app.
  const delves = new Map<string, Promise<string>>();
  const delveFor = (platform: Platform): Promise<string> => {
    const key = formatPlatform(platform);
    let running = delves.get(key);
    if (!running) {
      running = delveBinary({ go, platform, cacheDir, env: firstEnv, signal: stop.signal });
      running.catch(() => undefined);
      delves.set(key, running);
    }
    return running;
  };
  if (debug) platforms.forEach((p) => void delveFor(p));
  const limit = availableParallelism();
  const compiles = new Map<string, Promise<void>>();
  // The compiler first, the listing next (go build is the long one); the image model loads once go runs, so
  // that loading it does not hold back the spawns.
  const spawned: Promise<void>[] = [];
  for (const p of platforms.slice(0, limit)) {
    let started = (): void => undefined;
    spawned.push(new Promise<void>((resolve) => (started = resolve)));
    const running = compile(p, started);
    // A compile that fails before go starts (no work directory) must not hold the image model back forever.
    running.then(started, started);
    compiles.set(formatPlatform(p), running);
  }
  progress({ phase: 'list', message: `go list ${patterns.join(' ')}` });
  const listOptions = { go, dir, env: firstEnv, signal: stop.signal };
  const listing = cachedMainPackages(work, patterns, listOptions, () =>
    findMainPackages(patterns, listOptions, { quick: true }),
  );
  const assembling = Promise.all(spawned).then(() => import('./assemble.js'));
  // The gzip helper (gzip-pool.ts) starts while Go compiles, so that it is ready when the app layer is written:
  // at once on a first build of this source (no binary of an earlier one: the whole layer is compressed), and on
  // a rebuild once Go has run longer than an up-to-date check, when a new binary is on its way
  // (helper-head-start.ts). Never on a rebuild that is a no-op, where a helper would be started for nothing.
  let helperTiming: Promise<void> = Promise.resolve();
  if ((options.compression?.algorithm ?? DEFAULT_COMPRESSION.algorithm) === 'gzip') {
    const prestart = (): void =>
      void import('../util/gzip-pool.js').then((m) => m.gzipPool().prestart()).catch(() => undefined);
    const allSpawned = Promise.all(spawned);
    if (!hasBinaries(work, platforms)) void allSpawned.then(prestart);
    else {
      helperTiming = startHelperWhenRelinking({
        work,
        binDirs: platforms.slice(0, limit).map((p) => binDirOf(work, p)),
        spawned: allSpawned,
        compiled: Promise.all(compiles.values()),
        start: prestart,
      });
    }
  }
  // Every way out of a failed build stops go and waits for it: a go left running would write into its work
  // directory after the caller (or its process) has gone.
  const prepared = new Map<string, Promise<Image>>();
  const settle = async (): Promise<void> => {
    stop.abort();
    await Promise.allSettled([...compiles.values(), ...delves.values(), listing, ...prepared.values()]);
  };
  const cancel = async (err: unknown): Promise<never> => {
    await settle();
    throw err;
  };

  try {
    let mains: MainPackage[];
    let info: { version?: string; goroot?: string };
    let provenance: Provenance;
    try {
      [mains, info, provenance] = await Promise.all([
        listing,
        goInfo(go, dir, firstEnv),
        readProvenance(dir),
      ]);
    } catch (err) {
      return await cancel(err);
    }
    const asm = await assembling.catch(cancel);
    progress({ phase: 'resolve', message: `base ${baseSpec}` });
    const base = await asm
      .resolveBuildBase(baseSpec, {
        platforms,
        cacheDir,
        ...(options.caCerts !== undefined ? { caCerts: options.caCerts } : {}),
        ...(info.goroot ? { goroot: info.goroot } : {}),
        ...(options.tzdata ? { tzdata: true } : {}),
        ...(options.registry ? { registry: options.registry } : {}),
        ...(signal ? { signal } : {}),
      })
      .catch(cancel);
    // A first build on a base compresses and checks the base's layers while Go compiles, not after it.
    for (const p of platforms) {
      const ready = asm.prepareBase(base, p, {
        cacheDir,
        ...(options.compression ? { compression: options.compression } : {}),
        signal: stop.signal,
      });
      // Seen when its image is assembled (or never, if the build has failed by then).
      ready.catch(() => undefined);
      prepared.set(formatPlatform(p), ready);
    }
    const created = rfc3339(provenance.created);
    const annotations: Record<string, string> = {
      'org.opencontainers.image.created': created,
      'org.opencontainers.image.base.name': baseName(baseSpec),
      'org.opencontainers.image.base.digest': base.digest,
      ...(provenance.source ? { 'org.opencontainers.image.source': provenance.source } : {}),
      ...(provenance.revision ? { 'org.opencontainers.image.revision': provenance.revision } : {}),
      ...(options.annotations ?? {}),
    };
    const first = mains[0] as MainPackage;
    // Data and extra files are the same for every platform: written once, appended to each image.
    // Loaded only when asked for: it pulls in the layer writer, which is not needed before Go is done.
    const extra = !(options.data || options.files?.length)
      ? { env: {}, layers: [] }
      : await (
          await import('./extra-content.js')
        )
          .extraContent({
            dir,
            ...(options.data ? { data: options.data } : {}),
            ...(options.files ? { files: options.files } : {}),
            workDir: work,
            created,
            ...(options.compression ? { compression: options.compression } : {}),
            cacheDir,
            ...(signal ? { signal } : {}),
          })
          .catch(cancel);
    const imageEnv = { ...extra.env, ...(options.env ?? {}) };
    const names = mains.map((m) => m.name);
    if (debug) checkDebugBinaries(names);
    const entrypoint = entrypointFor(options.entrypoint, names);
    const config = {
      created,
      user: checked.user,
      entrypoint: debug ? debugEntrypoint(entrypoint, debugPort) : entrypoint,
      ...(options.args ? { args: options.args } : {}),
      ...(checked.workdir ? { workdir: checked.workdir } : {}),
      ...(Object.keys(imageEnv).length ? { env: imageEnv } : {}),
      ports: debug ? [...new Set([...checked.ports, `${debugPort}/tcp`])] : checked.ports,
      ...(options.labels ? { labels: options.labels } : {}),
    };

    const buildOne = async (platform: Platform): Promise<BuiltImage> => {
      const key = formatPlatform(platform);
      const started = compiles.get(key);
      const compiling = started ?? compile(platform);
      compiles.set(key, compiling);
      // The compiler started before the base was read: say so again while waiting for it, or the last step
      // named (the base) would stay on screen for as long as Go compiles.
      if (started) {
        progress({ phase: 'compile', platform, message: `go build ${patterns.join(' ')} (${key})` });
      }
      await compiling;
      const binaries: BuiltBinary[] = [];
      for (const main of mains) {
        const path = join(work, slugOf(platform), 'bin', main.name);
        const size = (await stat(path)).size;
        binaries.push({
          name: main.name,
          path,
          size,
          imagePath: `/app/${main.name}`,
          importPath: main.importPath,
        });
      }
      const baseImage = prepared.get(key);
      if (debug) progress({ phase: 'compile', platform, message: `dlv ${DELVE_VERSION} (${key})` });
      const toolLayers = debug
        ? [
            await (
              await import('./delve-layer.js')
            ).delveLayer(await delveFor(platform), {
              blobDir: join(work, slugOf(platform), 'delve-blobs'),
              compression: options.compression ?? DEFAULT_COMPRESSION,
              cacheDir,
              created,
              ...(signal ? { signal } : {}),
            }),
          ]
        : [];
      progress({ phase: 'layer', platform, message: `app layer (${key})` });
      return asm.assembleImage({
        toolLayers,
        ...(debug || options.disableOptimizations
          ? {
              buildComment: `CGO_ENABLED=0 go build -trimpath ${DEBUG_GCFLAGS} (${debug ? '--debug' : '--disable-optimizations'})`,
            }
          : {}),
        base,
        ...(baseImage ? { baseImage } : {}),
        platform,
        binaries,
        blobDir: join(work, slugOf(platform), 'blobs'),
        cacheDir,
        config,
        annotations,
        extraLayers: extra.layers,
        ...(options.compression ? { compression: options.compression } : {}),
        ...(capabilities.length ? { capabilities } : {}),
        ...(signal ? { signal } : {}),
      });
    };
    // A failing platform stops the others at once rather than after they finish.
    const images = await mapLimit(platforms, limit, (p) => buildOne(p).catch(cancel));
    const target = await asm.assembleTarget(images, annotations);
    const digest = target.kind === 'image' ? await target.image.digest() : await target.index.digest();
    await helperTiming;
    progress({ phase: 'done', message: digest });
    return {
      target,
      images,
      digest,
      base: baseSpec,
      module: first.module,
      ...(info.version ? { goVersion: info.version } : {}),
      ...(base.caSource ? { caSource: base.caSource } : {}),
    };
  } catch (err) {
    // Errors thrown outside `cancel` (a bad entrypoint found once the packages are listed, say).
    await settle();
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
