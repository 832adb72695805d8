import { vi } from 'vitest';
import { main } from '../../src/cli/main.js';

/** Runs the CLI in-process (as `minnow ARGS`) and returns its exit status and what it printed. */
export async function cli(args: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c) => ((out += String(c)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c) => ((err += String(c)), true));
  try {
    return { status: await main(['node', 'minnow', ...args]), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
