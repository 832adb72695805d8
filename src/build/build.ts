import { availableParallelism } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { goZoneinfoPath, isBuiltinBase } from '../base/builtin.js';
import { resolveBase, selectPlatform } from '../base/resolve.js';
import { MinnowError } from '../errors.js';
import { goBuild } from '../go/build.js';
import { findGo } from '../go/find-go.js';
import { findMainPackages, type MainPackage } from '../go/list.js';
import { canonicalPlatform, goEnvironment } from '../go/platform-env.js';
import { runGo } from '../go/run-go.js';
import {
  formatPlatform,
  hostPlatform,
  indexOf,
  mutate,
  writeLayer,
  type ImageOrIndex,
  type LayerEntry,
  type Platform,
} from '../oci/index.js';
import { minnowCacheDir } from '../util/cache-dir.js';
import { entrypointFor } from './entrypoint.js';
import { extraContent } from './extra-content.js';
import { appImageConfig } from './image-config.js';
import { layerSizes } from './layer-sizes.js';
import { readProvenance, rfc3339 } from './provenance.js';
import type { BuildOptions, BuildResult, BuiltBinary, BuiltImage } from './types.js';
import { LABEL_KEY, normalizePort, normalizeUser, normalizeWorkdir } from './validate.js';
import { buildWorkDir, mapLimit } from './workdir.js';

export * from './types.js';

/** The default user: distroless's nonroot. */
export const DEFAULT_USER = '65532:65532';

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

async function goInfo(
  go: string,
  dir: string,
  env: NodeJS.ProcessEnv,
): Promise<{ version?: string; goroot?: string }> {
  const run = await runGo(go, ['env', '-json', 'GOVERSION', 'GOROOT'], { cwd: dir, env });
  if (run.code !== 0) return {};
  const parsed = JSON.parse(run.stdout) as { GOVERSION?: string; GOROOT?: string };
  return {
    ...(parsed.GOVERSION ? { version: parsed.GOVERSION } : {}),
    ...(parsed.GOROOT ? { goroot: parsed.GOROOT } : {}),
  };
}

/**
 * Builds a Go app into an image: `go list` finds the main packages, one static `go build` per platform runs in
 * parallel (bounded by the CPU count), each binary goes in a layer at /app/<name> (0555, root-owned) on top of
 * the base, and the config gets the user (65532:65532 by default), entrypoint, env, ports and labels. With more
 * than one platform the target is an OCI index. Nothing is written outside minnow's cache: hand the result
 * to a sink (`writeLayout`, `writeTarball`, `loadIntoDaemon`).
 */
export async function build(options: BuildOptions = {}): Promise<BuildResult> {
  const dir = resolvePath(options.dir ?? process.cwd());
  const checked = checkOptions(options);
  const platforms = (options.platforms?.length ? options.platforms : [hostPlatform()]).map(canonicalPlatform);
  const seen = new Set<string>();
  for (const p of platforms) {
    if (seen.has(formatPlatform(p))) {
      throw new MinnowError('INVALID_ARGUMENT', `platform ${formatPlatform(p)} is given twice`);
    }
    seen.add(formatPlatform(p));
  }
  const progress = options.onProgress ?? (() => undefined);
  const signal = options.signal;
  const cacheDir = options.cacheDir ?? minnowCacheDir();
  const go = await findGo(options.goPath ? { goPath: options.goPath } : {});
  const envFor = (platform: Platform): NodeJS.ProcessEnv =>
    goEnvironment({ platform, ...(options.goEnv ? { goEnv: options.goEnv } : {}) });
  const firstEnv = envFor(platforms[0] as Platform);
  const baseSpec = options.base ?? 'static';
  const builtin = isBuiltinBase(baseSpec);

  progress({ phase: 'list', message: `go list ${(options.packages ?? ['.']).join(' ')}` });
  const [mains, info, provenance] = await Promise.all([
    findMainPackages(options.packages ?? ['.'], { go, dir, env: firstEnv, ...(signal ? { signal } : {}) }),
    goInfo(go, dir, firstEnv),
    readProvenance(dir),
  ]);
  const tags = [...(options.tags ?? [])];
  if (options.tzdata && !builtin && !tags.includes('timetzdata')) tags.push('timetzdata');

  progress({ phase: 'resolve', message: `base ${baseSpec}` });
  let caSource: string | undefined;
  let builtinSize: number | undefined;
  const base: ImageOrIndex = await resolveBase(baseSpec, {
    platforms,
    cacheDir,
    ...(options.caCerts !== undefined ? { caCerts: options.caCerts } : {}),
    ...(options.tzdata && builtin && info.goroot ? { zoneinfoPath: goZoneinfoPath(info.goroot) } : {}),
    onBuiltin: (b) => {
      caSource = b.caSource;
      builtinSize = b.uncompressedSize;
    },
    ...(signal ? { signal } : {}),
  });
  const baseDigest = base.kind === 'image' ? await base.image.digest() : await base.index.digest();
  // Uncompressed layer sizes by digest: known for built-in and app layers, counted once for other bases.
  const known = new Map<string, number>();

  const created = rfc3339(provenance.created);
  const annotations: Record<string, string> = {
    'org.opencontainers.image.created': created,
    'org.opencontainers.image.base.name': baseSpec,
    'org.opencontainers.image.base.digest': baseDigest,
    ...(provenance.source ? { 'org.opencontainers.image.source': provenance.source } : {}),
    ...(provenance.revision ? { 'org.opencontainers.image.revision': provenance.revision } : {}),
    ...(options.annotations ?? {}),
  };
  const work = await buildWorkDir(cacheDir);
  const first = mains[0] as MainPackage;
  const entrypoint = entrypointFor(
    options.entrypoint,
    mains.map((m) => m.name),
  );
  const extra = await extraContent({
    dir,
    ...(options.data ? { data: options.data } : {}),
    ...(options.files ? { files: options.files } : {}),
    workDir: work,
    created,
    ...(signal ? { signal } : {}),
  });
  const imageEnv = { ...extra.env, ...(options.env ?? {}) };

  const buildOne = async (platform: Platform): Promise<BuiltImage> => {
    const slug = formatPlatform(platform).replaceAll('/', '-');
    const env = envFor(platform);
    const binaries: BuiltBinary[] = [];
    for (const main of mains) {
      progress({
        phase: 'compile',
        platform,
        message: `go build ${main.importPath} (${formatPlatform(platform)})`,
      });
      const out = await goBuild({
        go,
        dir,
        env,
        pkg: main.importPath,
        output: join(work, slug, 'bin', main.name),
        ...(options.ldflags ? { ldflags: options.ldflags } : {}),
        ...(tags.length ? { tags } : {}),
        ...(signal ? { signal } : {}),
      });
      binaries.push({
        name: main.name,
        path: out.path,
        size: out.size,
        imagePath: `/app/${main.name}`,
        importPath: main.importPath,
      });
    }
    progress({ phase: 'layer', platform, message: `app layer (${formatPlatform(platform)})` });
    const entries: LayerEntry[] = binaries.map((b) => ({
      type: 'file',
      path: b.imagePath,
      source: b.path,
      mode: 0o555,
    }));
    const layer = await writeLayer(entries, {
      blobDir: join(work, slug, 'blobs'),
      compressionLevel: options.compressionLevel ?? 6,
      ...(signal ? { signal } : {}),
    });
    const baseImage = await selectPlatform(base, platform);
    const baseLayers = await baseImage.layers();
    if (builtinSize !== undefined && baseLayers[0]) known.set(await baseLayers[0].digest(), builtinSize);
    known.set(layer.digest, layer.uncompressedSize);
    const image = await mutate(baseImage, {
      layers: [
        {
          layer: layer.layer,
          history: {
            created,
            created_by: `minnow build ${binaries.map((b) => b.importPath).join(' ')}`,
            comment: 'CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -buildid="',
          },
        },
        ...extra.layers,
      ],
      config: (c) =>
        appImageConfig(c, {
          platform,
          created,
          user: checked.user,
          entrypoint,
          ...(options.args ? { args: options.args } : {}),
          ...(checked.workdir ? { workdir: checked.workdir } : {}),
          ...(Object.keys(imageEnv).length ? { env: imageEnv } : {}),
          ports: checked.ports,
          ...(options.labels ? { labels: options.labels } : {}),
        }),
      annotations,
    });
    return { platform, image, binaries, layers: await layerSizes(await image.layers(), known) };
  };

  const images = await mapLimit(platforms, availableParallelism(), buildOne);
  const target: ImageOrIndex =
    images.length === 1
      ? { kind: 'image', image: (images[0] as BuiltImage).image }
      : {
          kind: 'index',
          index: await indexOf(
            images.map((i) => ({ image: i.image, platform: i.platform })),
            annotations,
          ),
        };
  const digest = target.kind === 'image' ? await target.image.digest() : await target.index.digest();
  progress({ phase: 'done', message: digest });
  return {
    target,
    images,
    digest,
    base: baseSpec,
    module: first.module,
    ...(info.version ? { goVersion: info.version } : {}),
    ...(caSource ? { caSource } : {}),
  };
}
