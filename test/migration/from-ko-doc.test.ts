import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProgram } from '../../src/cli/program.js';

const DOC = join(import.meta.dirname, '..', '..', 'docs', 'from-ko.md');

/** The rows of the markdown table under `## heading`, as cells. */
function table(doc: string, heading: string): string[][] {
  const section = doc.split(`\n## ${heading}\n`)[1]?.split('\n## ')[0] ?? '';
  return section
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| ---'))
    .slice(1)
    .map((l) =>
      l
        .slice(2, -2)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim()),
    );
}

describe('docs/from-ko.md', () => {
  it('names only commands and options minnow has', async () => {
    const doc = await readFile(DOC, 'utf8');
    const program = await createProgram();
    const commands = new Map(program.commands.map((c) => [c.name(), c]));
    const problems: string[] = [];
    for (const [ko, minnow] of table(doc, 'Commands')) {
      const name = /`minnow ([a-z-]+)/.exec(minnow ?? '')?.[1];
      if (!name || !commands.has(name)) problems.push(`${ko}: no minnow command in "${minnow}"`);
    }
    // Every --flag in the minnow column is an option of build or of resolve (which apply/create/run share).
    const known = new Set(
      ['build', 'resolve', 'run'].flatMap((c) => commands.get(c)?.options.map((o) => o.long ?? '') ?? []),
    );
    for (const [ko, minnow] of table(doc, 'Flags')) {
      for (const flag of (minnow ?? '').match(/--[a-z][a-z-]*/g) ?? []) {
        if (!known.has(flag)) problems.push(`${ko}: minnow has no ${flag}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
