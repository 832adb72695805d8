import { excludesGit } from '../../dockerignore.js';
import type { Rule } from '../types.js';

/** MN-DF-010: a .dockerignore that excludes .git. */
export const dockerignoreGit: Rule = {
  meta: {
    id: 'MN-DF-010',
    name: 'dockerignore-git',
    severity: 'medium',
    description:
      'Without a .dockerignore excluding .git, the whole history is sent as build context on every build, and COPY . . puts it in a layer and breaks the layer cache on every commit.',
    fix: 'Add a .dockerignore next to the build context with at least .git (minnow dockerfile writes one).',
  },
  check(model) {
    const ignore = model.dockerignore;
    if (ignore === undefined) return [];
    const top = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    if (ignore === null) return [{ message: 'the build context has no .dockerignore', range: top }];
    if (excludesGit(ignore.text)) return [];
    const first = ignore.text.split(/\r?\n/)[0] ?? '';
    return [
      {
        message: '.dockerignore does not exclude .git',
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: first.length } },
        file: { path: ignore.path, text: ignore.text },
      },
    ];
  },
};
