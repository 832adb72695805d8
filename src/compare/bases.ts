import { MinnowError } from '../errors.js';

/** A base to compare: what to call it, and the base specs to try in order (the first that builds wins). */
export interface CompareBase {
  label: string;
  specs: string[];
}

/** The seed article's `docker image ls` sizes (decimal MB as Docker prints them). */
export const ARTICLE_SIZES: Record<string, number> = {
  alpine: 14.5e6,
  distroless: 9.49e6,
  scratch: 6.67e6,
};

/** The article's number for a base, by what its label or spec names. */
export function articleSize(base: CompareBase): number | undefined {
  const name = `${base.label} ${base.specs.join(' ')}`.toLowerCase();
  if (name.includes('alpine')) return ARTICLE_SIZES.alpine;
  if (name.includes('distroless')) return ARTICLE_SIZES.distroless;
  if (/\bscratch\b/.test(name)) return ARTICLE_SIZES.scratch;
  return undefined;
}

/**
 * The default comparison: the article's three bases and minnow's default. Registry bases are tried from the
 * registry (or minnow's cache) first, then from the local Docker Engine.
 */
export function defaultCompareBases(): CompareBase[] {
  return [
    { label: 'alpine:3.19', specs: ['alpine:3.19', 'daemon:alpine:3.19'] },
    {
      label: 'distroless/static-debian12',
      specs: ['gcr.io/distroless/static-debian12', 'daemon:gcr.io/distroless/static-debian12:latest'],
    },
    { label: 'scratch', specs: ['scratch'] },
    { label: 'static (minnow default)', specs: ['static'] },
  ];
}

/** Parses `--base LABEL=SPEC` (or just SPEC, labelled by itself). */
export function parseCompareBase(value: string): CompareBase {
  const eq = value.indexOf('=');
  if (eq > 0) {
    return { label: value.slice(0, eq), specs: [value.slice(eq + 1)] };
  }
  if (value.trim() === '') throw new MinnowError('INVALID_ARGUMENT', '--base needs a base spec');
  return { label: value, specs: [value] };
}
