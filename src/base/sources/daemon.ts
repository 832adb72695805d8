import type { BaseSource } from '../source.js';

/** `daemon:NAME[:TAG]`: an image in the Docker Engine, read through `docker save`. */
export const daemonSource: BaseSource = {
  name: 'Docker Engine',
  grammar: 'daemon:NAME[:TAG]',
  help: 'an image in the Docker Engine (DOCKER_HOST), by name or ID',
  matches: (spec) => spec.startsWith('daemon:'),
  resolve: async (spec, options) =>
    (await import('../daemon.js')).readDaemon(spec, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onEngineRead ? { onProgress: options.onEngineRead } : {}),
    }),
  imageName: (spec) => Promise.resolve(spec.slice('daemon:'.length) || undefined),
  where: async (spec) =>
    `${spec.slice('daemon:'.length)} at ${(await import('../../engine/client.js')).engineAddress().display}`,
};
