import { describe, expect, it } from 'vitest';
import { matchesSelector, parseSelector, selectDocuments } from '../../src/resolve/select-documents.js';

describe('label selectors (-l)', () => {
  it('reads kubectl’s equality-based forms', () => {
    expect(parseSelector('app=web, tier==db,env!=prod,canary,!legacy')).toEqual([
      { key: 'app', op: '=', value: 'web' },
      { key: 'tier', op: '=', value: 'db' },
      { key: 'env', op: '!=', value: 'prod' },
      { key: 'canary', op: 'exists' },
      { key: 'legacy', op: '!exists' },
    ]);
    expect(parseSelector('app.kubernetes.io/name=api')).toEqual([
      { key: 'app.kubernetes.io/name', op: '=', value: 'api' },
    ]);
  });

  it('refuses what it cannot read, in one line', () => {
    for (const bad of ['', 'a=b,', 'env in (a,b)', '!a=b', 'a=b c', '-x=y']) {
      expect(() => parseSelector(bad), bad).toThrow(/^invalid --selector/);
    }
  });

  it('matches as kubectl does: != holds for an object without the label', () => {
    const r = parseSelector('tier!=db');
    expect(matchesSelector({}, r)).toBe(true);
    expect(matchesSelector({ tier: 'db' }, r)).toBe(false);
    expect(matchesSelector({ tier: 'web' }, r)).toBe(true);
  });

  it('keeps the matching documents byte for byte and drops files left empty', () => {
    const text = [
      '# a comment before the first document',
      'kind: A',
      'metadata: {name: a, labels: {app: web}}',
      '---',
      'kind: B',
      'metadata:',
      '  name: b',
      '---   # a comment on the separator',
      'kind: C',
      'metadata:',
      '  labels:',
      '    app: web   # trailing comment',
      '',
    ].join('\n');
    const out = selectDocuments(
      [
        { path: 'x.yaml', text },
        { path: 'y.yaml', text: 'kind: D\nmetadata: {labels: {app: db}}\n' },
      ],
      parseSelector('app=web'),
    );
    expect(out).toEqual([
      {
        path: 'x.yaml',
        text: [
          '# a comment before the first document',
          'kind: A',
          'metadata: {name: a, labels: {app: web}}',
          '---   # a comment on the separator',
          'kind: C',
          'metadata:',
          '  labels:',
          '    app: web   # trailing comment',
          '',
        ].join('\n'),
      },
    ]);
  });
});
