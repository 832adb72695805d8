import { MinnowError } from '../errors.js';

/**
 * Shape checks for the JSON documents of the image model (manifests, indexes, descriptors, configs), written by
 * hand: they run on every build's hot path, where loading a schema library cost ~100 ms of start-up before Go
 * could start. Each check throws a ShapeError naming the path (`layers.0.digest`) and what was wanted.
 */
export class ShapeError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path || '(root)'}: ${problem}`);
  }
}

/** Checks a value found at `path`; throws ShapeError when it is not what is wanted. */
export type Check = (value: unknown, path: string) => void;

const at = (path: string, key: string | number): string => (path ? `${path}.${key}` : String(key));

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export const isString: Check = (v, path) => {
  if (typeof v !== 'string') throw new ShapeError(path, `expected a string, got ${kind(v)}`);
};

export const isSize: Check = (v, path) => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw new ShapeError(
      path,
      `expected a whole number of bytes ≥ 0, got ${typeof v === 'number' ? v : kind(v)}`,
    );
};

export function isLiteral(expected: string | number): Check {
  return (v, path) => {
    if (v !== expected) throw new ShapeError(path, `expected ${JSON.stringify(expected)}`);
  };
}

export function matches(test: (v: string) => boolean, problem: string): Check {
  return (v, path) => {
    isString(v, path);
    if (!test(v as string)) throw new ShapeError(path, problem);
  };
}

export function arrayOf(item: Check): Check {
  return (v, path) => {
    if (!Array.isArray(v)) throw new ShapeError(path, `expected an array, got ${kind(v)}`);
    v.forEach((x, i) => item(x, at(path, i)));
  };
}

export const isStringMap: Check = (v, path) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ShapeError(path, `expected an object of strings, got ${kind(v)}`);
  for (const [k, x] of Object.entries(v)) isString(x, at(path, k));
};

/** A field's check, and whether it may be absent (`undefined`); `null` counts as absent only where said. */
export interface Field {
  check: Check;
  optional?: boolean;
  nullable?: boolean;
}

export const optional = (check: Check): Field => ({ check, optional: true });

/** An object with these fields checked; other keys pass through untouched (the specs allow extensions). */
export function objectOf(fields: Record<string, Check | Field>): Check {
  return (v, path) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw new ShapeError(path, `expected an object, got ${kind(v)}`);
    const o = v as Record<string, unknown>;
    for (const [key, spec] of Object.entries(fields)) {
      const field: Field = typeof spec === 'function' ? { check: spec } : spec;
      const x = o[key];
      if (x === undefined && field.optional) continue;
      if (x === null && field.nullable) continue;
      if (x === undefined) throw new ShapeError(at(path, key), 'missing');
      field.check(x, at(path, key));
    }
  };
}

/** Checks a parsed document; a shape problem becomes one INVALID_IMAGE line naming `what` and the path. */
export function checkDocument<T>(doc: unknown, check: Check, what: string): T {
  try {
    check(doc, '');
  } catch (err) {
    if (err instanceof ShapeError) throw new MinnowError('INVALID_IMAGE', `invalid ${what}: ${err.message}`);
    throw err;
  }
  return doc as T;
}
