import { describe, expect, it } from 'vitest';
import { findReferences, rewriteReferences } from '../../src/resolve/find-references.js';

describe('findReferences', () => {
  it('finds plain, quoted and block references in every document, and not keys', () => {
    const text = [
      'a: minnow://example.com/a # comment',
      'b: "minnow://example.com/b"',
      "c: 'minnow://./cmd/c'",
      'minnow://key: 1',
      '---',
      'd: |',
      '  minnow://example.com/d',
      'e: [minnow://example.com/e]',
      '',
    ].join('\n');
    const refs = findReferences(text, 'x.yaml');
    expect(refs.map((r) => r.packagePath)).toEqual([
      'example.com/a',
      'example.com/b',
      './cmd/c',
      'example.com/d',
      'example.com/e',
    ]);
    for (const r of refs) expect(text.slice(r.start, r.end)).toBe(`minnow://${r.packagePath}`);
    expect(refs[1]).toMatchObject({ line: 2, col: 5 });
  });

  it('leaves values that only mention the scheme alone', () => {
    expect(findReferences('a: see minnow://x\nb: "image minnow://y"\n', 'x.yaml')).toEqual([]);
  });

  it('reports a malformed reference with file:line:col', () => {
    expect(() => findReferences('x: 1\ny: minnow://bad path\n', 'm.yaml')).toThrow(
      /^m\.yaml:2:4: "minnow:\/\/bad path" is not minnow:\/\/<go package path>$/,
    );
    expect(() => findReferences('y: minnow://a/../b\n', 'm.yaml')).toThrow(/not minnow/);
    expect(() => findReferences('y: minnow://\n', 'm.yaml')).toThrow(/not minnow/);
  });

  it('refuses to guess at an escaped reference it cannot rewrite in place', () => {
    expect(() => findReferences('y: "minnow:\\/\\/example.com/a"\n', 'm.yaml')).toThrow(/cannot rewrite/);
  });

  it('reports YAML that does not parse with its position', () => {
    expect(() => findReferences('a: 1\nb: [unclosed\n', 'bad.yaml')).toThrow(
      /^bad\.yaml:\d+:\d+: invalid YAML/,
    );
  });

  it('accepts what rendered charts contain: duplicate keys, custom tags, empty documents', () => {
    const text = '---\n---\na: 1\na: minnow://example.com/a\nb: !vault secret\n';
    expect(findReferences(text, 'x.yaml').map((r) => r.packagePath)).toEqual(['example.com/a']);
  });
});

describe('rewriteReferences', () => {
  it('changes only the spans, keeping CRLF line ends, BOM, comments and quotes', () => {
    const text =
      '\uFEFF# top\r\nimage: "minnow://example.com/a"  # keep\r\nother: minnow://example.com/b\r\n';
    const out = rewriteReferences(
      text,
      findReferences(text, 'x.yaml'),
      (r) => `reg/${r.packagePath.slice(12)}@sha256:1`,
    );
    expect(out).toBe('\uFEFF# top\r\nimage: "reg/a@sha256:1"  # keep\r\nother: reg/b@sha256:1\r\n');
  });

  it('rewrites JSON manifests as JSON', () => {
    const text = '{\n  "kind": "Pod",\n  "spec": {"containers": [{"image": "minnow://example.com/a"}]}\n}\n';
    const out = rewriteReferences(
      text,
      findReferences(text, 'pod.json'),
      () => `r/a@sha256:${'1'.repeat(64)}`,
    );
    expect(JSON.parse(out)).toEqual({
      kind: 'Pod',
      spec: { containers: [{ image: `r/a@sha256:${'1'.repeat(64)}` }] },
    });
    expect(out.replace(/r\/a@sha256:1+/, 'minnow://example.com/a')).toBe(text);
  });

  it('rewrites an anchored reference once, and its aliases follow it', () => {
    const text = 'a: &img minnow://example.com/a\nb: *img\n';
    const refs = findReferences(text, 'x.yaml');
    expect(refs).toHaveLength(1);
    const out = rewriteReferences(text, refs, () => 'r/a@sha256:1');
    expect(out).toBe('a: &img r/a@sha256:1\nb: *img\n');
  });
});

describe("ko's ko:// references", () => {
  it('are found beside minnow:// ones, with their scheme, and rewritten in place', () => {
    const text = 'a: ko://example.com/a\nb: minnow://example.com/b\nc: "ko://./cmd/c"\n';
    const refs = findReferences(text, 'x.yaml');
    expect(refs.map((r) => [r.scheme, r.packagePath])).toEqual([
      ['ko://', 'example.com/a'],
      ['minnow://', 'example.com/b'],
      ['ko://', './cmd/c'],
    ]);
    expect(rewriteReferences(text, refs, (r) => `reg/${r.packagePath}`)).toBe(
      'a: reg/example.com/a\nb: reg/example.com/b\nc: "reg/./cmd/c"\n',
    );
  });

  it('name the ko:// scheme when the package path is not one', () => {
    expect(() => findReferences('a: ko://../up\n', 'x.yaml')).toThrow(
      'x.yaml:1:4: "ko://../up" is not ko://<go package path>',
    );
  });
});
