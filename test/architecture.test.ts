import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/**
 * What each module of src/ may import besides itself (docs/architecture.md): data flows one way, and nothing
 * imports cli/ or index.ts. A module missing from this table is an error, so a new folder comes with its rule.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  errors: [],
  // package.json's version, for User-Agent lines and SBOM/provenance tool names.
  version: [],
  util: ['errors'],
  oci: ['errors', 'util'],
  go: ['errors', 'util', 'oci'],
  engine: ['errors', 'util'],
  // minnow debug: toolbox containers through the Engine API, kubectl debug for pods.
  debug: ['errors', 'util', 'engine'],
  registry: ['errors', 'util', 'oci', 'version'],
  base: ['errors', 'util', 'oci', 'go', 'engine', 'registry'],
  build: ['errors', 'util', 'oci', 'go', 'base', 'registry'],
  publish: ['errors', 'util', 'oci', 'engine', 'registry'],
  analyze: ['errors', 'util', 'oci', 'go', 'base', 'version'],
  attest: ['errors', 'util', 'oci', 'go', 'registry', 'base', 'build', 'publish', 'analyze', 'version'],
  compare: [
    'errors',
    'util',
    'oci',
    'go',
    'engine',
    'registry',
    'base',
    'build',
    'publish',
    'analyze',
    'report',
    'dockerfile',
  ],
  report: ['errors', 'util', 'oci', 'go', 'build', 'publish', 'analyze', 'attest'],
  dockerfile: ['errors', 'util', 'oci', 'go', 'engine', 'base', 'analyze'],
  config: ['errors', 'util', 'oci', 'go', 'build'],
  resolve: ['errors', 'util', 'oci', 'go', 'registry', 'base', 'build', 'publish', 'config', 'version'],
  pipeline: [
    'errors',
    'util',
    'oci',
    'go',
    'registry',
    'base',
    'build',
    'publish',
    'analyze',
    'report',
    'config',
  ],
};

/** Imports the table does not allow yet, each with the change that removes it. */
const KNOWN: Record<string, string> = {};

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sourceFiles(path)));
    else if (e.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

const moduleOf = (path: string): string =>
  relative(SRC, path)
    .split('/')[0]!
    .replace(/\.[jt]s$/, '');

describe('the module graph', () => {
  it('imports only up the module order, and nothing imports cli/ or index.ts', async () => {
    const problems: string[] = [];
    for (const file of await sourceFiles(SRC)) {
      const from = moduleOf(file);
      if (from === 'cli' || from === 'index') continue;
      const allowed = MAY_IMPORT[from];
      if (!allowed) {
        problems.push(`${relative(SRC, file)}: module ${from}/ has no row in MAY_IMPORT`);
        continue;
      }
      const text = await readFile(file, 'utf8');
      for (const m of text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
        const to = moduleOf(resolve(dirname(file), m[1]!));
        const edge = `${relative(SRC, file)} -> ${to}`;
        if (to !== from && !allowed.includes(to) && !(edge in KNOWN)) problems.push(edge);
      }
    }
    expect(problems).toEqual([]);
  });
});
