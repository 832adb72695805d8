import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HELLO_DIR } from '../../go/go-fixtures.js';
import { tempDir } from '../../helpers/tmp.js';
import { plain, runCli } from '../build-helpers.js';

describe('minnow build --verify-reproducible says what it verified (real CLI, real go)', () => {
  it('adds a reproducible line to the summary and reproducible: true to --json; a plain build claims neither', async () => {
    const dir = await tempDir();
    const text = await runCli(['build', HELLO_DIR, '-o', `oci:${join(dir, 'a')}`, '--verify-reproducible']);
    expect(plain(text.stderr)).toBe('');
    expect(text.code).toBe(0);
    expect(plain(text.stdout)).toMatch(/\n {2}reproducible verified \(2 builds, same digest\)\n/);

    const json = await runCli([
      'build',
      HELLO_DIR,
      '-o',
      `oci:${join(dir, 'b')}`,
      '--verify-reproducible',
      '--json',
    ]);
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { reproducible?: boolean }).reproducible).toBe(true);

    const once = await runCli(['build', HELLO_DIR, '-o', `oci:${join(dir, 'c')}`, '--json']);
    expect(once.code).toBe(0);
    expect(JSON.parse(once.stdout)).not.toHaveProperty('reproducible');
    const onceText = await runCli(['build', HELLO_DIR, '-o', `oci:${join(dir, 'd')}`]);
    expect(plain(onceText.stdout)).not.toContain('reproducible');
  });
});
