import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { formatJson } from '../../src/dockerfile/lint/format-json.js';
import { toSarif } from '../../src/dockerfile/lint/format-sarif.js';
import { formatText } from '../../src/dockerfile/lint/format-text.js';
import { lintFile } from '../../src/dockerfile/lint/lint.js';
import { RULES } from '../../src/dockerfile/lint/rules/index.js';
import { cli as runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const ARTICLE = fileURLToPath(new URL('../fixtures/article/', import.meta.url));
const SCHEMA = fileURLToPath(new URL('./sarif-2.1.0-subset.schema.json', import.meta.url));

/** The shared in-process runner; lint sets process.exitCode, which must not leak into the next run. */
async function cli(args: string[]): Promise<{ status: number; out: string; err: string }> {
  try {
    return await runCli(args);
  } finally {
    process.exitCode = undefined;
  }
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('lint output', () => {
  test('text shows each finding with its source line, a caret under the spot, the fix and hadolint code', async () => {
    const r = await lintFile(`${ARTICLE}Dockerfile.distroless`, { file: 'Dockerfile.distroless' });
    const text = formatText([r]);
    expect(text).toContain(
      [
        'Dockerfile.distroless:9:6: medium MN-DF-006 (base-untagged) gcr.io/distroless/static-debian12 has no tag (it means :latest)',
        '    9 | FROM gcr.io/distroless/static-debian12',
        '      |      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
      ].join('\n'),
    );
    expect(text).toMatch(/= fix: .*\[hadolint DL3006\]/);
    expect(text.trim().split('\n').at(-1)).toBe('Dockerfile.distroless: 3 medium, 3 low');
  });

  test('json lists findings and counts', async () => {
    const r = await lintFile(`${ARTICLE}Dockerfile.scratch`);
    const doc = JSON.parse(formatJson([r])) as {
      version: number;
      counts: Record<string, number>;
      results: Array<{ findings: Array<{ ruleId: string; location: { line: number } }> }>;
    };
    expect(doc.version).toBe(1);
    expect(doc.counts).toEqual({ critical: 0, high: 0, medium: 2, low: 3, info: 0 });
    expect(doc.results[0]?.findings.map((f) => f.ruleId)).toEqual([
      'MN-DF-010',
      'MN-DF-008',
      'MN-DF-016',
      'MN-DF-017',
      'MN-DF-004',
    ]);
  });

  test('sarif is a valid SARIF 2.1.0 log whose results point at the rules and lines', async () => {
    const results = await Promise.all(
      ['alpine', 'distroless', 'scratch'].map((b) => lintFile(`${ARTICLE}Dockerfile.${b}`)),
    );
    const log = toSarif(results, { toolVersion: '0.1.0', baseDir: ARTICLE.replace(/\/$/, '') });
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(await readFile(SCHEMA, 'utf8')) as object);
    expect(validate(log), JSON.stringify(validate.errors)).toBe(true);
    const run = (log.runs as Array<Record<string, unknown>>)[0] as {
      tool: { driver: { informationUri: string; rules: Array<{ id: string }> } };
      results: Array<{
        ruleId: string;
        ruleIndex: number;
        level: string;
        locations: Array<{
          physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } };
        }>;
      }>;
    };
    expect(run.results).toHaveLength(18);
    // Code-scanning UIs link the tool's name to it.
    expect(run.tool.driver.informationUri).toBe('https://minnow.dev');
    for (const res of run.results) expect(run.tool.driver.rules[res.ruleIndex]?.id).toBe(res.ruleId);
    const untagged = run.results.find((r) => r.ruleId === 'MN-DF-006');
    expect(untagged?.level).toBe('warning');
    expect(untagged?.locations[0]?.physicalLocation).toMatchObject({
      artifactLocation: { uri: 'Dockerfile.distroless' },
      region: { startLine: 9 },
    });
    expect(run.results.filter((r) => r.ruleId === 'MN-DF-008').every((r) => r.level === 'note')).toBe(true);
  });
});

describe('sarif rule help', () => {
  test("helpUri is hadolint's wiki page where a rule maps to one; every rule links its docs section", async () => {
    const doc = await readFile(
      fileURLToPath(new URL('../../docs/dockerfile-rules.md', import.meta.url)),
      'utf8',
    );
    const anchors = new Set(
      [...doc.matchAll(/^### (MN-DF-\d{3}) ([a-z0-9-]+)$/gm)].map((m) => `${m[1]!.toLowerCase()}-${m[2]!}`),
    );
    const sarifRules = (log: Record<string, unknown>) =>
      (log.runs as Array<{ tool: { driver: { rules: Array<Record<string, unknown>> } } }>)[0]!.tool.driver
        .rules as Array<{ id: string; helpUri?: string; help: { markdown: string } }>;
    const result = await lintFile(`${ARTICLE}Dockerfile.scratch`);
    const plain = sarifRules(toSarif([result], { toolVersion: '0.1.0' }));
    expect(plain.map((r) => r.id)).toEqual(RULES.map((r) => r.meta.id));
    for (const [n, r] of plain.entries()) {
      const meta = RULES[n]!.meta;
      const link = /\(docs\/dockerfile-rules\.md#([a-z0-9-]+)\)/.exec(r.help.markdown);
      expect(anchors.has(link?.[1] ?? ''), `${r.id} ${link?.[1]}`).toBe(true);
      if (meta.hadolint) {
        expect(r.helpUri).toBe(`https://github.com/hadolint/hadolint/wiki/${meta.hadolint.split(',')[0]}`);
      } else {
        expect(r.helpUri).toBeUndefined();
      }
    }
    const docsUri = 'https://example.org/minnow/blob/main/docs/dockerfile-rules.md';
    const published = sarifRules(toSarif([result], { toolVersion: '0.1.0', docsUri }));
    expect(published.find((r) => r.id === 'MN-DF-001')?.helpUri).toBe(`${docsUri}#mn-df-001-multi-stage`);
    expect(published.find((r) => r.id === 'MN-DF-024')?.helpUri).toBe(
      'https://github.com/hadolint/hadolint/wiki/DL3008',
    );
    expect(published.every((r) => typeof r.helpUri === 'string')).toBe(true);
  });
});

describe('minnow lint', () => {
  test('--fail-on sets the exit status: 3 when a finding reaches the threshold, else 0', async () => {
    const file = `${ARTICLE}Dockerfile.scratch`;
    expect((await cli(['lint', file])).status).toBe(3); // default: medium
    expect((await cli(['lint', file, '--fail-on', 'high'])).status).toBe(0);
    expect((await cli(['lint', file, '--fail-on', 'low', '--ignore', 'MN-DF-004,MN-DF-010'])).status).toBe(3);
    expect(
      (
        await cli([
          'lint',
          file,
          '--fail-on',
          'medium',
          '--ignore',
          'MN-DF-004',
          '--ignore',
          'DL3002,MN-DF-010',
        ])
      ).status,
    ).toBe(0);
    expect((await cli(['lint', file, '--fail-on', 'none'])).status).toBe(0);
  });

  test('a Dockerfile docker build refuses exits 2 with one line naming file:line, and nothing on stdout', async () => {
    const dir = await tempDir();
    for (const [text, want] of [
      ['', 'Dockerfile:1: the Dockerfile has no instructions'],
      ['FROM scratch\nRUNN x\n', 'Dockerfile:2: unknown instruction "RUNN"'],
    ] as const) {
      const file = join(dir, 'Dockerfile');
      await writeFile(file, text);
      const r = await cli(['lint', file]);
      expect(r.status).toBe(2);
      expect(r.out).toBe('');
      const lines = r.err.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`${dir}/${want}`);
    }
  });

  test('--list-rules prints one line per rule', async () => {
    const r = await cli(['lint', '--list-rules']);
    expect(r.status).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(RULES.length);
    expect(lines).toContain('MN-DF-028  high      unique-stage-name (hadolint DL3024)');
    expect(lines).toContain('MN-DF-004  medium    final-user-root (hadolint DL3002)');
  });

  test('--format json and sarif print parseable documents', async () => {
    const json = await cli(['lint', `${ARTICLE}Dockerfile.alpine`, '--format', 'json', '--fail-on', 'none']);
    expect((JSON.parse(json.out) as { counts: { medium: number } }).counts.medium).toBe(2);
    const sarif = await cli([
      'lint',
      `${ARTICLE}Dockerfile.alpine`,
      '--format',
      'sarif',
      '--fail-on',
      'none',
    ]);
    expect((JSON.parse(sarif.out) as { version: string }).version).toBe('2.1.0');
  });

  test('a missing Dockerfile is one clear error and exit 1; a bad --format is a usage error', async () => {
    expect((await cli(['lint', '/nonexistent/Dockerfile'])).status).toBe(1);
    expect((await cli(['lint', `${ARTICLE}Dockerfile.alpine`, '--format', 'xml'])).status).toBe(2);
  });
});
