import { MinnowError } from '../errors.js';

/** `--debug`: what a debug image variant runs. */
export interface DebugOptions {
  /** The port Delve's headless server listens on, in the container. Default 40000 (ko's). */
  port?: number;
}

/** The port Delve listens on unless told otherwise: the one ko's `--debug` images use. */
export const DEFAULT_DEBUG_PORT = 40000;

/** Where dlv is in a debug image: beside the app, in a layer of its own. */
export const DELVE_IMAGE_PATH = '/app/dlv';

/** Checks a `--debug-port` value: a TCP port from 1 to 65535. */
export function parseDebugPort(value: string | number): number {
  const port = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new MinnowError(
      'INVALID_ARGUMENT',
      `invalid --debug-port ${value}: want a TCP port from 1 to 65535`,
      {
        subject: String(value),
      },
    );
  }
  return port;
}

/**
 * The entrypoint of a debug image: the app's own entrypoint started under Delve's headless server, running at
 * once (`--continue`) and open to several clients in turn (`--accept-multiclient`), as ko's `--debug` does. The
 * image's Cmd still reaches the app: Docker appends it after the `--`.
 */
export function debugEntrypoint(entrypoint: readonly string[], port: number = DEFAULT_DEBUG_PORT): string[] {
  return [
    DELVE_IMAGE_PATH,
    'exec',
    '--headless',
    `--listen=:${port}`,
    '--api-version=2',
    '--accept-multiclient',
    '--continue',
    '--',
    ...entrypoint,
  ];
}

/** A main package named like the debugger would be replaced by it: refused. */
export function checkDebugBinaries(names: readonly string[]): void {
  const clash = names.find((n) => `/app/${n}` === DELVE_IMAGE_PATH);
  if (clash) {
    throw new MinnowError(
      'INVALID_ARGUMENT',
      `--debug puts Delve at ${DELVE_IMAGE_PATH}, where the binary ${clash} goes`,
      {
        subject: clash,
        hint: 'rename the main package, or build without --debug',
      },
    );
  }
}

/** The port a debug image's Delve listens on, read back from its entrypoint; undefined for any other image. */
export function debugPortOf(entrypoint: readonly string[]): number | undefined {
  if (entrypoint[0] !== DELVE_IMAGE_PATH) return undefined;
  const listen = entrypoint.find((a) => a.startsWith('--listen='));
  const port = Number(listen?.split(':').at(-1));
  return Number.isInteger(port) && port > 0 ? port : undefined;
}
