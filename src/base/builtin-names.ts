/** The bases minnow synthesizes itself, no registry needed. */
export const BUILTIN_BASES = ['static', 'scratch'] as const;
export type BuiltinBaseName = (typeof BUILTIN_BASES)[number];

/** True for `static` and `scratch`. */
export function isBuiltinBase(spec: string): spec is BuiltinBaseName {
  return (BUILTIN_BASES as readonly string[]).includes(spec);
}
