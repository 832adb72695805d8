import { MinnowError } from '../errors.js';
import type { Image } from '../oci/index.js';
import { helpUntil } from './analysis-pool.js';
import { compositionOf } from './composition.js';
import { MergedFilesystem } from './filesystem.js';
import { parseOsRelease } from './packages/dpkg.js';
import { findOsPackages } from './packages/os-packages.js';
import { readLayer, type CapturedFiles, type LayerReadOptions } from './read-layer.js';
import type { LayerMemo } from './layer-memo.js';
import { isSecretEnvKey, runRules } from './rules/index.js';
import { tokenKind } from './secrets.js';
import { findUtilities } from './utilities.js';
import { isRootUser, parseUsers } from './users.js';
import {
  SEVERITIES,
  type FileInfo,
  type GoBinary,
  type ImageAnalysis,
  type LayerSummary,
  type Severity,
} from './types.js';

export interface AnalyzeOptions extends Omit<LayerReadOptions, 'deferred'> {
  /** Shown as `reference` in the result. Default: the image digest. */
  reference?: string;
  /** Where the image was read from (base/resolve.ts `originOf`), recorded as `source`. */
  source?: { kind: string; where: string };
  /** How many largest files to list. Default 10. */
  top?: number;
  /** Most filesystem entries over all layers (bounds memory). Default 2,000,000. */
  maxEntries?: number;
  /** Called after each layer, for progress display. */
  onLayer?: (index: number, total: number) => void;
  /** Attribute each Go binary's bytes to modules and packages, as its layer streams. Default true. */
  attribute?: boolean;
  /** Layers read before (by another analysis) replay from here instead of being read again: `minnow diff`. */
  layerMemo?: LayerMemo;
  signal?: AbortSignal;
}

const CA_PATHS = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/ssl/cert.pem',
  '/etc/pki/tls/certs/ca-bundle.crt',
];

function envValue(env: string[], key: string): string | undefined {
  const kv = env.find((e) => e.startsWith(`${key}=`));
  return kv?.slice(key.length + 1);
}

/** Whether the image holds a CA bundle and time zone data, as Go's crypto/x509 and time packages look for them. */
function runtimeNeeds(fs: MergedFilesystem, env: string[], go: GoBinary[]): ImageAnalysis['runtime'] {
  const isFile = (p: string | undefined): boolean =>
    !!p && ['file', 'symlink', 'hardlink'].includes(fs.get(p)?.type ?? '');
  const sslCertFile = envValue(env, 'SSL_CERT_FILE');
  const caBundle = [sslCertFile, ...CA_PATHS].find(isFile);
  const tzdata =
    fs.list('/usr/share/zoneinfo').length > 0 ||
    isFile(envValue(env, 'ZONEINFO')) ||
    go.some((b) => /\btimetzdata\b/.test(b.info.settings['-tags'] ?? ''));
  return { ...(caBundle ? { caBundle } : {}), tzdata };
}

function text(captured: CapturedFiles, fs: MergedFilesystem, path: string): string | undefined {
  const c = captured.get(path);
  const now = fs.get(path);
  // Only content from the layer that wrote what the merged view still holds (not a deleted or replaced copy).
  if (!c || !now || now.layer !== c.layer) return undefined;
  return c.data.toString('utf8');
}

/**
 * Reads every layer of an image once, streaming, into a merged filesystem view, and measures it: sizes, layers,
 * files, efficiency, OS packages, Go binaries and their modules, system utilities, users, and the findings of the
 * attack-surface rules. Memory grows with the number of paths, never with file sizes.
 */
export async function analyzeImage(image: Image, options: AnalyzeOptions = {}): Promise<ImageAnalysis> {
  const manifest = await image.manifest();
  const configFile = await image.configFile();
  const config = configFile.config ?? {};
  const layers = await image.layers();
  const fs = new MergedFilesystem(options.maxEntries === undefined ? {} : { maxEntries: options.maxEntries });
  const captured: CapturedFiles = new Map();
  const history = (configFile.history ?? []).filter((h) => !h.empty_layer);
  const summaries: LayerSummary[] = [];
  const read = options.layerMemo?.read ?? readLayer;
  // Digests hashed on the worker and attributions finish while the next layer is walked; all before any result.
  const deferred: Promise<void>[] = [];
  for (const [i, layer] of layers.entries()) {
    if (options.signal?.aborted) throw new MinnowError('ABORTED', 'analysis aborted');
    const r = await read(layer, i, fs, captured, {
      ...options,
      attribute: options.attribute !== false,
      deferred,
    });
    const createdBy = history.length === layers.length ? history[i]?.created_by : undefined;
    summaries.push({
      index: i,
      digest: await layer.digest(),
      diffId: await layer.diffId(),
      mediaType: manifest.layers[i]?.mediaType ?? (await layer.mediaType()),
      compression: r.compression,
      compressedSize: r.compressedSize,
      ...(r.compressedEstimated ? { compressedEstimated: true } : {}),
      uncompressedSize: r.uncompressedSize,
      contentSize: r.contentSize,
      entries: r.entries,
      whiteouts: r.whiteouts,
      ...(createdBy ? { createdBy } : {}),
    });
    options.onLayer?.(i, layers.length);
  }
  // The attributions still waiting for the worker are done here meanwhile: this thread has nothing else to do.
  await helpUntil(Promise.all(deferred));

  const entries: FileInfo[] = [...fs.walk()];
  const files = entries.filter((e) => e.type === 'file' || e.type === 'hardlink');
  const top = options.top ?? 10;
  const largest = files
    .filter((e) => e.type === 'file')
    .sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1))
    .slice(0, top)
    .map((e) => ({ path: e.path, size: e.size, layer: e.layer }));

  const packages = findOsPackages(fs, (path) => text(captured, fs, path));

  const goBinaries: GoBinary[] = files
    .filter((e) => e.type === 'file' && e.go)
    .map((e) => ({
      path: e.path,
      size: e.size,
      arch: e.elf?.arch ?? 'unknown',
      dynamic: e.elf?.dynamic ?? false,
      info: e.go!,
      ...(e.attribution ? { attribution: e.attribution } : {}),
    }));
  const users = parseUsers(text(captured, fs, '/etc/passwd'), text(captured, fs, '/etc/shadow'));
  const osRelease = text(captured, fs, '/etc/os-release') ?? text(captured, fs, '/usr/lib/os-release');
  const user = config.User ?? '';
  // Values of secret-looking keys, and values that are tokens under any name, never leave the analysis.
  const env = (config.Env ?? []).map((kv) => {
    const eq = kv.indexOf('=');
    if (eq <= 0) return kv;
    const key = kv.slice(0, eq);
    return isSecretEnvKey(key) || tokenKind(kv.slice(eq + 1)) ? `${key}=<redacted>` : kv;
  });
  const labels = Object.fromEntries(
    Object.entries(config.Labels ?? {}).map(([k, v]) => [k, tokenKind(v) ? '<redacted>' : v]),
  );
  const runtime = runtimeNeeds(fs, config.Env ?? [], goBinaries);
  const base: Omit<ImageAnalysis, 'findings' | 'summary'> = {
    schemaVersion: 1,
    reference: options.reference ?? (await image.digest()),
    ...(options.source ? { source: options.source } : {}),
    digest: await image.digest(),
    imageId: (await image.manifest()).config.digest,
    platform: {
      os: configFile.os,
      architecture: configFile.architecture,
      ...(configFile.variant ? { variant: configFile.variant } : {}),
    },
    ...(configFile.created ? { created: configFile.created } : {}),
    config: {
      user,
      runsAsRoot: isRootUser(user, users),
      entrypoint: config.Entrypoint ?? [],
      cmd: config.Cmd ?? [],
      workingDir: config.WorkingDir ?? '',
      env,
      exposedPorts: Object.keys(config.ExposedPorts ?? {}).sort(),
      labels,
    },
    ...(osRelease ? { os: parseOsRelease(osRelease) } : {}),
    size: {
      compressed: summaries.reduce((s, l) => s + l.compressedSize, 0),
      ...(summaries.some((l) => l.compressedEstimated) ? { compressedEstimated: true } : {}),
      uncompressed: summaries.reduce((s, l) => s + l.uncompressedSize, 0),
      content: summaries.reduce((s, l) => s + l.contentSize, 0),
      filesystem: fs.filesystemBytes(),
    },
    composition: compositionOf(entries, runtime.caBundle),
    layers: summaries,
    files: {
      count: files.length,
      directories: entries.filter((e) => e.type === 'directory').length,
      symlinks: entries.filter((e) => e.type === 'symlink').length,
      executables: files.filter((e) => (e.mode & 0o111) !== 0).length,
      elfBinaries: files.filter((e) => e.elf).length,
      setuid: files.filter((e) => e.type === 'file' && (e.mode & 0o4000) !== 0).length,
      setgid: files.filter((e) => e.type === 'file' && (e.mode & 0o2000) !== 0).length,
      largest,
    },
    efficiency: fs.efficiency(top),
    packages,
    goBinaries,
    utilities: findUtilities(entries),
    users,
    runtime,
  };
  const findings = runRules({ entries, config, analysis: base });
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) counts[f.severity]++;
  return {
    ...base,
    findings,
    summary: {
      findings: counts,
      hasShell: base.utilities.shells.length > 0,
      hasPackageManager: base.utilities.packageManagers.length > 0,
    },
  };
}
