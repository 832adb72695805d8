// What package a Go symbol belongs to: read from the names of a binary's functions (pclntab.ts), and from nm's
// symbols in the tests that check attribution.

/**
 * The import path of a Go symbol: up to the first `.` after the last `/`, ignoring type arguments in brackets.
 * The linker escapes `.` (and a few other bytes) in the last path element as `%2e` (`gopkg.in/yaml%2ev3.Marshal`):
 * they are unescaped.
 */
export function packageOfSymbol(name: string): string {
  const bracket = name.indexOf('[');
  const base = bracket >= 0 ? name.slice(0, bracket) : name;
  if (base.startsWith('type:') || base.startsWith('go:')) return '(linker)';
  const slash = base.lastIndexOf('/');
  const dot = base.indexOf('.', slash + 1);
  if (dot < 0) return '(no package)';
  const pkg = base.slice(0, dot);
  return pkg.includes('%')
    ? pkg.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    : pkg;
}
