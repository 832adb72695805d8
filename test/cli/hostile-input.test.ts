import { describe, expect, it } from 'vitest';
import { renderTemplate } from '../../src/config/template.js';
import { saveEnv } from '../helpers/env.js';
import { plain, runCli } from './build-helpers.js';

describe('accepted silently before, refused now with one line', () => {
  it('MINNOW_CACHE_MAX=lots: exit 2 naming the variable', async () => {
    const restore = saveEnv('MINNOW_CACHE_MAX');
    process.env.MINNOW_CACHE_MAX = 'lots';
    try {
      const run = await runCli(['lint', '--list-rules']);
      expect(run.code).toBe(2);
      expect(plain(run.stderr).split('\n')[0]).toBe('error: MINNOW_CACHE_MAX="lots" is not a size');
      expect(run.stdout).toBe('');
    } finally {
      restore();
    }
  });

  it('a registry timeout that is not a number: exit 2', async () => {
    const restore = saveEnv('MINNOW_REGISTRY_IDLE_TIMEOUT');
    process.env.MINNOW_REGISTRY_IDLE_TIMEOUT = '30s';
    try {
      const run = await runCli(['lint', '--list-rules']);
      expect(run.code).toBe(2);
      expect(plain(run.stderr).split('\n')[0]).toBe(
        'error: MINNOW_REGISTRY_IDLE_TIMEOUT="30s" is not a positive number',
      );
    } finally {
      restore();
    }
  });

  it('an unterminated template is a config error', () => {
    expect(() => renderTemplate('-X main.v={{.Version', { Version: '1' })).toThrow(
      'unterminated template in "-X main.v={{.Version": "{{" without "}}"',
    );
    expect(renderTemplate('-X main.v={{.Version}}', { Version: '1' })).toBe('-X main.v=1');
  });
});
