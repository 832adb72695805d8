import { describe, expect, it } from 'vitest';
import { findGo } from '../../src/go/find-go.js';
import { exec } from '../helpers/exec.js';

describe('findGo', () => {
  it('finds the go on PATH, falls back to /usr/local/go/bin, and honours --go', async () => {
    const found = await findGo();
    expect(await exec(found, ['version'])).toMatch(/^go version go1\./);
    expect(await findGo({ env: { PATH: '' } })).toBe('/usr/local/go/bin/go');
    expect(await findGo({ goPath: found })).toBe(found);
  });

  it('fails clearly when the go command is missing', async () => {
    await expect(findGo({ goPath: '/nonexistent/go' })).rejects.toMatchObject({ code: 'GO_NOT_FOUND' });
  });
});
