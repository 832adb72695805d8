import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { IMAGE_RULES } from '../../src/analyze/rules/index.js';

describe('docs/rules.md', () => {
  it('documents every image rule with its severity and fix', async () => {
    const doc = await readFile('docs/rules.md', 'utf8');
    for (const r of IMAGE_RULES) {
      const line = doc.split('\n').find((l) => l.startsWith(`| ${r.id} |`));
      expect(line, r.id).toBeDefined();
      expect(line).toContain(`| ${r.severity} |`);
    }
    const ids = [...doc.matchAll(/^\| (MN-[A-Z]{2}-\d{3}) \|/gm)].map((m) => m[1]);
    expect(ids.sort()).toEqual(IMAGE_RULES.map((r) => r.id).sort());
  });
});
