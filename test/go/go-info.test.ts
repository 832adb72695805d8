import { describe, expect, it } from 'vitest';
import { findGo } from '../../src/go/find-go.js';
import { goInfo } from '../../src/go/go-info.js';
import { exec } from '../helpers/exec.js';

describe('goInfo', () => {
  it('reads the version and GOROOT from the installation, as go env reports them', async () => {
    const go = await findGo();
    const info = await goInfo(go, process.cwd(), process.env);
    expect(info.version).toBe((await exec(go, ['env', 'GOVERSION'])).trim());
    expect(info.goroot).toBe((await exec(go, ['env', 'GOROOT'])).trim());
  });
});
