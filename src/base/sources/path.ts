import { resolve } from 'node:path';
import type { BaseSource } from '../source.js';
import { pathKind } from './local-path.js';

/** A path that exists: a `docker save` tarball (a file) or an OCI layout (a directory). */
export const pathSource: BaseSource = {
  name: 'local path',
  grammar: 'FILE.tar|DIR',
  help: 'a docker save tarball or an OCI layout directory, by path',
  matches: async (spec) => (await pathKind(spec)) !== undefined,
  resolve: async (spec) => {
    if ((await pathKind(spec)) === 'dir') return (await import('../layout.js')).readLayout(spec);
    return (await import('../docker-archive.js')).readDockerArchive(spec);
  },
  where: (spec) => resolve(spec),
};
