import { describe, expect, expectTypeOf, it } from 'vitest';
import * as api from '../src/index.js';

describe('the public API', () => {
  it('is importable by package name through package.json exports (the built dist/)', async () => {
    const pkg = (await import('minnow')) as Record<string, unknown>;
    for (const name of [
      'build',
      'writeLayout',
      'writeTarball',
      'pushImage',
      'analyzeImage',
      'lintText',
      'resolveManifests',
      'validateImage',
    ]) {
      expect(typeof pkg[name], name).toBe('function');
    }
    expect(pkg.MinnowError).toBeDefined();
  });

  it('keeps the shapes library users build on', () => {
    expectTypeOf(api.build).parameter(0).toEqualTypeOf<api.BuildOptions | undefined>();
    expectTypeOf(api.build).returns.resolves.toHaveProperty('digest');
    expectTypeOf<api.Image['digest']>().returns.resolves.toEqualTypeOf<api.Digest>();
    expectTypeOf<api.MinnowError['code']>().toEqualTypeOf<api.ErrorCode>();
    expect(new api.MinnowError('INVALID_ARGUMENT', 'x')).toBeInstanceOf(Error);
  });
});
