import { LineCounter, parseAllDocuments, visit } from 'yaml';
import { MinnowError } from '../errors.js';

/** The scheme that marks an image to build: `minnow://example.com/app/cmd/server`. */
export const MINNOW_SCHEME = 'minnow://';

/** Schemes read as images to build: minnow's own, and ko's `ko://` so ko's manifests work unchanged. */
export const IMAGE_SCHEMES = [MINNOW_SCHEME, 'ko://'] as const;

/** One `minnow://` reference in a YAML file, with the exact span of text to replace. */
export interface ImageReference {
  /** The Go package path after the scheme, as written (`./cmd/app` forms are resolved later). */
  packagePath: string;
  /** The scheme it was written with: `minnow://` or ko's `ko://`. */
  scheme: (typeof IMAGE_SCHEMES)[number];
  /** Offsets in the file text of the `minnow://...` characters (quotes and comments excluded). */
  start: number;
  end: number;
  /** 1-based position of the reference, for messages. */
  line: number;
  col: number;
}

const PACKAGE_PATH = /^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$|^\.(\/[A-Za-z0-9._~-]+)*$/;

function bad(file: string, lines: LineCounter, offset: number, message: string): MinnowError {
  const { line, col } = lines.linePos(offset);
  return new MinnowError('INVALID_ARGUMENT', `${file}:${line}:${col}: ${message}`, { subject: file });
}

/**
 * Finds every string value starting with `minnow://` (or ko's `ko://`) in a (multi-document) YAML text, as ko
 * does: wherever it is, not only under `image:`. Map keys are left alone. Returns the spans in file order. Throws
 * INVALID_ARGUMENT with `file:line:col` for YAML that does not parse or a reference that is not a package path.
 */
export function findReferences(text: string, file: string): ImageReference[] {
  const lines = new LineCounter();
  // Lenient on purpose: rendered charts carry duplicate keys and unknown tags; we only read string values.
  const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false });
  if (!Array.isArray(docs)) return [];
  const refs: ImageReference[] = [];
  for (const doc of docs) {
    const [error] = doc.errors;
    if (error) throw bad(file, lines, error.pos[0], `invalid YAML: ${error.message.split('\n')[0]}`);
    visit(doc, {
      Scalar(key, node) {
        if (key === 'key' || typeof node.value !== 'string' || !node.range) return;
        const value = node.value.trim();
        const scheme = IMAGE_SCHEMES.find((s) => value.startsWith(s));
        if (!scheme) return;
        const packagePath = value.slice(scheme.length);
        const [from, to] = node.range;
        const at = text.slice(from, to).indexOf(value);
        if (!PACKAGE_PATH.test(packagePath) || packagePath.split('/').includes('..')) {
          throw bad(file, lines, from + Math.max(at, 0), `"${value}" is not ${scheme}<go package path>`);
        }
        if (at < 0) {
          throw bad(
            file,
            lines,
            from,
            `cannot rewrite "${value}" in place: write it on one line without escapes`,
          );
        }
        const start = from + at;
        refs.push({ packagePath, scheme, start, end: start + value.length, ...lines.linePos(start) });
      },
    });
  }
  return refs.sort((a, b) => a.start - b.start);
}

/** Replaces each reference's span with `replacement(ref)`; every other byte of `text` is kept as it was. */
export function rewriteReferences(
  text: string,
  refs: readonly ImageReference[],
  replacement: (ref: ImageReference) => string,
): string {
  let out = '';
  let last = 0;
  for (const ref of [...refs].sort((a, b) => a.start - b.start)) {
    out += text.slice(last, ref.start) + replacement(ref);
    last = ref.end;
  }
  return out + text.slice(last);
}
