import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { lintFile } from '../../src/dockerfile/lint/lint.js';

const ARTICLE = fileURLToPath(new URL('../fixtures/article/', import.meta.url));

/** `line:ruleId` for each finding, in report order. */
async function findings(name: string): Promise<string[]> {
  const r = await lintFile(`${ARTICLE}Dockerfile.${name}`);
  return r.findings.map((f) => `${f.location.line}:${f.ruleId}`);
}

// The article's Dockerfiles get multi-stage, CGO_ENABLED=0, a small final base and exec-form CMD right; what
// they miss is a non-root user, a .dockerignore, stripping and -trimpath, and (distroless) a tag.
describe("the article's Dockerfiles", () => {
  test('Dockerfile.alpine', async () => {
    expect(await findings('alpine')).toEqual([
      '1:MN-DF-010', // no .dockerignore in the context
      '2:MN-DF-008', // golang:1.21-alpine pinned by tag only
      '7:MN-DF-016', // no -ldflags="-s -w"
      '7:MN-DF-017', // no -trimpath
      '9:MN-DF-004', // final stage runs as root
      '9:MN-DF-015', // alpine keeps a shell and apk
      '9:MN-DF-008', // alpine:3.19 pinned by tag only
    ]);
  });

  test('Dockerfile.distroless', async () => {
    expect(await findings('distroless')).toEqual([
      '1:MN-DF-010',
      '2:MN-DF-008',
      '7:MN-DF-016',
      '7:MN-DF-017',
      '9:MN-DF-004', // static-debian12 (not :nonroot) runs as root
      '9:MN-DF-006', // gcr.io/distroless/static-debian12 has no tag
    ]);
  });

  test('Dockerfile.scratch', async () => {
    expect(await findings('scratch')).toEqual([
      '1:MN-DF-010',
      '2:MN-DF-008',
      '7:MN-DF-016',
      '7:MN-DF-017',
      '9:MN-DF-004',
    ]);
  });

  test('findings carry severity, position, message, fix, hadolint code and the source line', async () => {
    const r = await lintFile(`${ARTICLE}Dockerfile.distroless`);
    const untagged = r.findings.find((f) => f.ruleId === 'MN-DF-006');
    expect(untagged).toMatchObject({
      severity: 'medium',
      hadolint: 'DL3006',
      location: { line: 9, column: 6, endLine: 9, endColumn: 39 },
      source: 'FROM gcr.io/distroless/static-debian12',
    });
    expect(untagged?.message).toContain('gcr.io/distroless/static-debian12');
    expect(untagged?.fix).toMatch(/tag/);
    const root = r.findings.find((f) => f.ruleId === 'MN-DF-004');
    expect(root).toMatchObject({ severity: 'medium', hadolint: 'DL3002' });
  });
});
