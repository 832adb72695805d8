import { describe, expect, it } from 'vitest';
import { chooseRepo, imageRepository, nameAll } from '../../src/resolve/image-name.js';

describe('image names', () => {
  it('names like ko: base, hash (md5 of the import path), full and bare', () => {
    const p = 'github.com/Acme/App/cmd/Server_X';
    expect(imageRepository('r.io/team', p, 'base')).toBe('r.io/team/server_x');
    expect(imageRepository('r.io/team', p, 'hash')).toMatch(/^r\.io\/team\/server_x-[0-9a-f]{32}$/);
    expect(imageRepository('r.io/team', p, 'full')).toBe('r.io/team/github.com/acme/app/cmd/server_x');
    expect(imageRepository('r.io/team', p, 'bare')).toBe('r.io/team');
  });

  it('refuses two packages that would share a repository, and suggests a way out', () => {
    expect(() => nameAll('r', ['a.io/x/cmd/server', 'b.io/y/cmd/server'], 'base')).toThrow(
      /would both be pushed/,
    );
    const hashed = nameAll('r', ['a.io/x/cmd/server', 'b.io/y/cmd/server'], 'hash');
    expect(new Set(hashed.values()).size).toBe(2);
    expect(() => nameAll('r', ['a', 'b'], 'bare')).toThrow(/both/);
  });

  it('takes --repo, then MINNOW_REPO, then the config, and checks the form', () => {
    expect(chooseRepo('127.0.0.1:5000/x/', { MINNOW_REPO: 'env/y' }, 'cfg/z')).toBe('127.0.0.1:5000/x');
    expect(chooseRepo(undefined, { MINNOW_REPO: 'env/y' }, 'cfg/z')).toBe('env/y');
    expect(chooseRepo(undefined, {}, 'cfg/z')).toBe('cfg/z');
    expect(() => chooseRepo(undefined, {})).toThrow(/no repository/);
    expect(() => chooseRepo('Registry/UPPER', {})).toThrow(/invalid repository/);
  });
});
