import type { Command } from 'commander';
import { DEFAULT_DEBUG_PORT, parseDebugPort, type DebugOptions } from '../build/debug.js';
import { MinnowError } from '../errors.js';

/** `--debug` and `--debug-port`, as build, resolve and apply take them (ko's `--debug`). */
export interface DebugFlags {
  debug?: boolean;
  debugPort?: string;
}

/** Adds `--debug` and `--debug-port` to a command. */
export function addDebugOptions(command: Command): Command {
  return command
    .option(
      '--debug',
      `a debug variant: the app unoptimized and not stripped, run under Delve's headless server (dlv connect HOST:${DEFAULT_DEBUG_PORT})`,
    )
    .option('--debug-port <port>', `the port Delve listens on with --debug (default ${DEFAULT_DEBUG_PORT})`);
}

/** The build's `debug` option from the flags; `--debug-port` alone is refused rather than ignored. */
export function debugOptionsFrom(flags: DebugFlags): { debug?: DebugOptions } {
  if (flags.debugPort !== undefined && !flags.debug) {
    throw new MinnowError('INVALID_ARGUMENT', '--debug-port needs --debug');
  }
  if (!flags.debug) return {};
  return { debug: flags.debugPort === undefined ? {} : { port: parseDebugPort(flags.debugPort) } };
}
