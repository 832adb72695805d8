import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';

/** Directories made outside a test (in a describe body or beforeAll): removed after their file by the setup file. */
const fileScoped = new Set<string>();

function remove(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

/**
 * A fresh temp directory. Made inside a test (or its beforeEach), it is removed when that test finishes; made
 * while a file is collected or in a beforeAll, it lives until the file's tests are done.
 */
export async function tempDir(prefix = 'minnow-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  try {
    onTestFinished(() => remove(dir));
  } catch {
    // Not inside a test: vitest refuses per-test hooks here, so the directory belongs to the file.
    fileScoped.add(dir);
  }
  return dir;
}

/** Removes the file-scoped directories; test/helpers/tmp-setup.ts calls it after each test file. */
export async function removeFileScopedTempDirs(): Promise<void> {
  const dirs = [...fileScoped];
  fileScoped.clear();
  await Promise.all(dirs.map(remove));
}
