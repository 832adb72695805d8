import { stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './tmp.js';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

describe('tempDir', () => {
  let fileDir = '';
  let testDir = '';
  beforeAll(async () => {
    fileDir = await tempDir();
  });
  afterAll(async () => {
    // afterAll hooks of a describe run before the setup file's root afterAll: the file's directory is still here.
    expect(await exists(fileDir)).toBe(true);
  });

  it('gives a test its own directory', async () => {
    testDir = await tempDir();
    expect(await exists(testDir)).toBe(true);
  });

  it('removed the previous test’s directory when that test finished, and keeps the file’s one', async () => {
    expect(testDir).not.toBe('');
    expect(await exists(testDir)).toBe(false);
    expect(await exists(fileDir)).toBe(true);
  });
});
