import type { BaseSource } from '../source.js';

/** A registry reference: `alpine:3.19`, `ghcr.io/org/app@sha256:…`, or `docker://REF`. */
export const registrySource: BaseSource = {
  name: 'registry',
  grammar: 'REF',
  help: 'a registry reference: alpine:3.19, ghcr.io/org/app@sha256:…, docker://REF',
  // The registry client (HTTP, auth, cache) loads only for a registry base: a build on a built-in base does
  // not load it while Go compiles.
  matches: async (spec) => (await import('../registry.js')).isRegistrySpec(spec),
  resolve: async (spec, options) => {
    const { resolveRegistryBase, withEngineHint } = await import('../registry.js');
    return withEngineHint(
      spec,
      resolveRegistryBase(spec, {
        ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...options.registry,
      }),
    );
  },
  where: async (spec) => (await import('../registry.js')).canonicalRegistrySpec(spec),
};
