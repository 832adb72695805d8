import { availableParallelism } from 'node:os';
import { importPathOf } from '../config/module-path.js';
import { MinnowError, messageOf } from '../errors.js';
import { mapLimit } from '../util/map-limit.js';
import { findReferences, rewriteReferences, type ImageReference } from './find-references.js';
import type { ManifestSource } from './read-manifests.js';

/**
 * Builds and pushes one Go package and returns where it landed, as `REPO/NAME@sha256:<hex>` (or `REPO/NAME:TAG`
 * for ko's `--tag-only`). The seam between
 * resolving YAML and making images: tests pass a fake, the CLI passes `registryPublisher`.
 */
export type Publisher = ((importPath: string, signal?: AbortSignal) => Promise<string>) & {
  /** Called once with every distinct package before any is published, to refuse a bad set up front. */
  plan?: (importPaths: readonly string[]) => void;
};

export interface ResolveOptions {
  publish: Publisher;
  /** Packages built and pushed at once. Default: the number of CPUs. */
  concurrency?: number;
  /** The module's path, so `minnow://./cmd/app` can name a package relative to the module root. */
  modulePath?: string;
  /** The publisher answers `REPO/NAME:TAG` instead of a digest reference (ko's `--tag-only`). Default false. */
  tagOnly?: boolean;
  signal?: AbortSignal;
}

/** One rewritten reference, for reports. */
export interface ResolvedReference {
  file: string;
  line: number;
  col: number;
  importPath: string;
  image: string;
}

export interface ResolveResult {
  /** The inputs with every reference replaced; all other bytes unchanged. */
  manifests: ManifestSource[];
  /** Each distinct package, published once, and its `ref@digest`. */
  images: Map<string, string>;
  references: ResolvedReference[];
}

const PINNED = /^[a-z0-9][^\s@]*@sha256:[0-9a-f]{64}$/;
/** What a publisher answers with `tagOnly` (ko's `--tag-only`): REPO/NAME:TAG. */
const TAGGED = /^[a-z0-9][^\s@]*\/[^\s@/:]+:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

function importPathFor(ref: ImageReference, file: string, modulePath?: string): string {
  if (!ref.packagePath.startsWith('.')) return ref.packagePath;
  if (!modulePath) {
    throw new MinnowError(
      'INVALID_ARGUMENT',
      `${file}:${ref.line}:${ref.col}: ${ref.scheme}${ref.packagePath} is relative, but no Go module is known`,
      { subject: file, hint: 'run from the module root or use the full import path' },
    );
  }
  return importPathOf(ref.packagePath, modulePath);
}

/**
 * Replaces every `minnow://<package>` in the manifests with the pushed image's digest reference. Each distinct
 * package is published exactly once, up to `concurrency` at a time; the first failure cancels the rest and is
 * thrown with the package as subject, and nothing is returned half-resolved.
 */
export async function resolveManifests(
  sources: readonly ManifestSource[],
  options: ResolveOptions,
): Promise<ResolveResult> {
  const found = sources.map((s) => {
    const refs = findReferences(s.text, s.path);
    return {
      source: s,
      refs: refs.map((r) => ({ ref: r, importPath: importPathFor(r, s.path, options.modulePath) })),
    };
  });
  const packages = [...new Set(found.flatMap((f) => f.refs.map((r) => r.importPath)))];
  options.publish.plan?.(packages);
  if (options.signal?.aborted) throw new MinnowError('ABORTED', 'resolve was cancelled');
  const controller = new AbortController();
  const abortAll = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', abortAll, { once: true });
  let pinned: string[];
  try {
    pinned = await mapLimit(packages, options.concurrency ?? availableParallelism(), async (pkg) => {
      if (controller.signal.aborted) throw new MinnowError('ABORTED', 'resolve was cancelled');
      try {
        const image = await options.publish(pkg, controller.signal);
        if (!(options.tagOnly ? TAGGED : PINNED).test(image)) {
          throw new MinnowError(
            'INTERNAL',
            `publishing ${pkg} returned "${image}", not ${options.tagOnly ? 'REPO/NAME:TAG' : 'REPO/NAME@sha256:<digest>'}`,
          );
        }
        return image;
      } catch (err) {
        controller.abort(err);
        if (err instanceof MinnowError) throw err;
        throw new MinnowError('INTERNAL', `publishing ${pkg}: ${messageOf(err)}`, {
          subject: pkg,
          cause: err,
        });
      }
    });
  } finally {
    options.signal?.removeEventListener('abort', abortAll);
  }
  const images = new Map(packages.map((p, i) => [p, pinned[i] as string]));
  const references: ResolvedReference[] = [];
  const manifests = found.map(({ source, refs }) => {
    const byStart = new Map(refs.map((r) => [r.ref.start, r.importPath]));
    const text = rewriteReferences(
      source.text,
      refs.map((r) => r.ref),
      (ref) => {
        const importPath = byStart.get(ref.start) as string;
        const image = images.get(importPath) as string;
        references.push({ file: source.path, line: ref.line, col: ref.col, importPath, image });
        return image;
      },
    );
    return { path: source.path, text };
  });
  return { manifests, images, references };
}

/**
 * One YAML stream of all resolved files, as `kubectl apply -f -` takes it: each file's text as it is, with a
 * `---` line between files (unless the next one already starts with one).
 */
export function joinManifests(manifests: readonly ManifestSource[]): string {
  let out = '';
  for (const m of manifests) {
    if (out !== '') {
      if (!out.endsWith('\n')) out += '\n';
      if (!/^---(\s|$)/.test(m.text)) out += '---\n';
    }
    out += m.text;
  }
  return out;
}
