import type { BaseSource } from '../source.js';
import { splitExistingPath } from './local-path.js';

const PREFIX = 'docker-archive:';

/** `docker-archive:FILE[:NAME:TAG]`: a `docker save` tarball, one image by name (or its only one). */
export const dockerArchiveSource: BaseSource = {
  name: 'docker archive',
  grammar: 'docker-archive:FILE[:NAME:TAG]',
  help: 'a docker save tarball; NAME:TAG or @N picks one of its images',
  matches: (spec) => spec.startsWith(PREFIX),
  resolve: async (spec) => {
    const { file, ref } = await splitSpec(spec);
    const { readDockerArchive } = await import('../docker-archive.js');
    return readDockerArchive(file, ref ? { ref } : {});
  },
  imageName: async (spec) => {
    const { file, ref } = await splitSpec(spec);
    return (await import('../docker-archive.js')).archiveImageName(file, ref ? { ref } : {});
  },
};

/** The file is the longest prefix that exists; when none does, the part up to `.tar` (for the error). */
async function splitSpec(spec: string): Promise<{ file: string; ref: string | undefined }> {
  const rest = spec.slice(PREFIX.length);
  const existing = await splitExistingPath(rest);
  const m = /^(.+?\.tar)(?::(.+))?$/.exec(rest);
  return { file: existing?.path ?? m?.[1] ?? rest, ref: existing ? existing.rest : m?.[2] };
}
