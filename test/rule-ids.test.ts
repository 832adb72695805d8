import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IMAGE_RULES } from '../src/analyze/rules/index.js';
import type { CATEGORIES } from '../src/analyze/types.js';
import { RULES } from '../src/dockerfile/lint/rules/index.js';
import { lintText } from '../src/dockerfile/lint/lint.js';
import { SEVERITIES } from '../src/util/severity.js';

// The part of `MN-<PART>-<NNN>` each image category owns (docs/rules.md#rule-ids).
const PART: Record<(typeof CATEGORIES)[number], string> = {
  'software-components': 'SC',
  'network-services': 'NS',
  'system-utilities': 'SU',
  'configuration-files': 'CF',
  'user-permissions': 'UP',
};

describe('one rule-ID scheme and one severity scale for image and Dockerfile rules', () => {
  it('every image rule is MN-<its part>-NNN and every Dockerfile rule MN-DF-NNN, all unique, on one scale', () => {
    const problems: string[] = [];
    for (const r of IMAGE_RULES) {
      if (!new RegExp(`^MN-${PART[r.category]}-\\d{3}$`).test(r.id)) problems.push(`${r.id} (${r.category})`);
      if (!SEVERITIES.includes(r.severity)) problems.push(`${r.id}: severity ${r.severity}`);
    }
    for (const { meta } of RULES) {
      if (!/^MN-DF-\d{3}$/.test(meta.id)) problems.push(meta.id);
      if (!SEVERITIES.includes(meta.severity)) problems.push(`${meta.id}: severity ${meta.severity}`);
    }
    expect(problems).toEqual([]);
    const ids = [...IMAGE_RULES.map((r) => r.id), ...RULES.map((r) => r.meta.id)];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('docs/rules.md documents the scheme and the scale', async () => {
    const doc = await readFile(join(import.meta.dirname, '..', 'docs', 'rules.md'), 'utf8');
    for (const part of [...Object.values(PART), 'DF']) expect(doc).toContain(`| \`${part}\` |`);
    expect(doc).toContain(SEVERITIES.map((s) => `\`${s}\``).join(', '));
  });

  it('an ignore comment with the ID before the scheme (MN004) still silences its rule', async () => {
    const text = 'FROM golang:1.22 AS build\nRUN true\nFROM scratch\n';
    const before = (await lintText(text)).findings.map((f) => f.ruleId);
    expect(before).toContain('MN-DF-004');
    const after = await lintText(`# minnow-lint global ignore=MN004\n${text}`);
    expect(after.findings.map((f) => f.ruleId)).not.toContain('MN-DF-004');
    const byNewId = await lintText(`# minnow-lint global ignore=MN-DF-004\n${text}`);
    expect(byNewId.findings.map((f) => f.ruleId)).not.toContain('MN-DF-004');
  });
});
