import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findKubectl, kubectlApply } from '../../src/resolve/kubectl.js';
import { freePort } from '../helpers/docker.js';

describe('kubectl', () => {
  it('says clearly when kubectl is missing', async () => {
    await expect(findKubectl({ PATH: '/nonexistent' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'kubectl is not installed (or not on PATH)',
    });
  });

  it('finds the real kubectl on PATH', async () => {
    expect(await findKubectl()).toMatch(/kubectl$/);
  });

  it('feeds the YAML to the real kubectl on stdin and reports its exit status', async () => {
    // No cluster here: kubectl reads the objects from stdin, then fails to reach the (closed) API server.
    const yaml = await readFile(join(import.meta.dirname, '..', 'fixtures', 'k8s', 'cronjob.yaml'), 'utf8');
    const port = await freePort();
    const r = await kubectlApply(yaml, {
      args: ['--server', `http://127.0.0.1:${port}`, '--validate=false'],
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('"STDIN"');
    expect(r.stderr).toContain(`127.0.0.1:${port}`);
  });
});
