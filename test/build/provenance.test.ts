import { describe, expect, it } from 'vitest';
import { publicRemoteUrl, readProvenance, rfc3339 } from '../../src/build/provenance.js';
import { exec } from '../helpers/exec.js';
import { tempDir } from '../helpers/tmp.js';

describe('provenance', () => {
  it('never records credentials of a remote', () => {
    expect(publicRemoteUrl('https://user:token@github.com/acme/app.git')).toBe('https://github.com/acme/app');
    expect(publicRemoteUrl('git@github.com:acme/app.git')).toBe('https://github.com/acme/app');
    expect(publicRemoteUrl('ssh://git@example.com/acme/app')).toBe('https://example.com/acme/app');
    expect(publicRemoteUrl('file:///srv/repo')).toBeUndefined();
  });

  it('takes SOURCE_DATE_EPOCH first, then the HEAD commit time, then 0 — never the clock', async () => {
    const plain = await tempDir();
    expect(await readProvenance(plain, {})).toEqual({ created: 0 });
    expect((await readProvenance(plain, { SOURCE_DATE_EPOCH: '1700000000' })).created).toBe(1700000000);
    const repo = await tempDir();
    const env = {
      ...process.env,
      GIT_AUTHOR_DATE: '2001-09-09T01:46:40Z',
      GIT_COMMITTER_DATE: '2001-09-09T01:46:40Z',
    };
    await exec('git', ['init', '-q', repo]);
    await exec('git', ['-C', repo, 'remote', 'add', 'origin', 'https://bot:secret@example.com/acme/app.git']);
    await exec(
      'git',
      ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', 'x'],
      {
        env,
      },
    );
    const p = await readProvenance(repo, {});
    expect(p.created).toBe(1_000_000_000);
    expect(p.revision).toMatch(/^[0-9a-f]{40}$/);
    expect(p.source).toBe('https://example.com/acme/app');
    expect(rfc3339(p.created)).toBe('2001-09-09T01:46:40Z');
  });
});
