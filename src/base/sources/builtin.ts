import { MinnowError } from '../../errors.js';
import { BUILTIN_BASES, isBuiltinBase } from '../builtin-names.js';
import type { BaseSource } from '../source.js';

/** `static` and `scratch`: synthesized by minnow for the build's platforms, no registry needed. */
export const builtinSource: BaseSource = {
  name: 'built-in',
  grammar: BUILTIN_BASES.join(', '),
  help: 'made by minnow: static (CA certificates, a nonroot user) or scratch (empty)',
  matches: isBuiltinBase,
  resolve: async (spec, options) => {
    if (!isBuiltinBase(spec)) throw new MinnowError('INTERNAL', `not a built-in base: ${spec}`);
    const { builtinBase } = await import('../builtin.js');
    const { target, info } = await builtinBase(spec, {
      ...(options.platforms ? { platforms: options.platforms } : {}),
      ...(options.caCerts !== undefined ? { caCerts: options.caCerts } : {}),
      ...(options.zoneinfoPath ? { zoneinfoPath: options.zoneinfoPath } : {}),
      ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    options.onBuiltin?.(info);
    return target;
  },
};
