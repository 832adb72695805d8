/**
 * A minnow.yaml comes with the source, and a cloned repository is not always trusted: its flags must not make the
 * Go toolchain write outside the build or run another program. `-o /path` in ldflags makes the linker write
 * anywhere; `-extld`, `-toolexec` and friends run a command of the file's choosing. Such flags are refused in
 * config files (the command line, which the user types, may still pass them).
 */

/** Linker flags that redirect output, run another program or write extra files. */
const LINKER = new Set([
  'o',
  'tmpdir',
  'extld',
  'extldflags',
  'linkmode',
  'cpuprofile',
  'memprofile',
  'benchmarkprofile',
  'r',
]);

/** `go build` flags (in GOFLAGS) that redirect output, run another program or swap source files. */
const GO = new Set([
  'o',
  'toolexec',
  'exec',
  'overlay',
  'pkgdir',
  'modfile',
  'ldflags',
  'gcflags',
  'asmflags',
]);

/** The flag name of `-name`, `--name` or `-name=value`; undefined for a token that is not a flag. */
function flagName(token: string): string | undefined {
  const m = /^--?([A-Za-z][\w-]*)(=|$)/.exec(token);
  return m?.[1];
}

/** The first linker flag among `tokens` (ldflags split on spaces) that a config file may not set. */
export function forbiddenLinkerFlag(tokens: string[]): string | undefined {
  return tokens.find((t) => {
    const name = flagName(t);
    return name !== undefined && LINKER.has(name);
  });
}

/** The first `go build` flag in a GOFLAGS value that a config file may not set. */
export function forbiddenGoFlag(goflags: string): string | undefined {
  return goflags.split(/\s+/).find((t) => {
    const name = flagName(t);
    return name !== undefined && GO.has(name);
  });
}
