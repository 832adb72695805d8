import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { RULES } from '../../src/dockerfile/lint/rules/index.js';

test('docs/dockerfile-rules.md documents every rule with its severity and hadolint code', async () => {
  const doc = await readFile(
    fileURLToPath(new URL('../../docs/dockerfile-rules.md', import.meta.url)),
    'utf8',
  );
  for (const { meta } of RULES) {
    expect(doc).toContain(`### ${meta.id} ${meta.name}\n\n**${meta.severity}**`);
    expect(doc).toContain(meta.fix);
    if (meta.hadolint) expect(doc).toContain(`hadolint ${meta.hadolint}`);
  }
});
