import { describe, expect, it } from 'vitest';
import { renderTemplate, templateValues } from '../../src/config/template.js';

const git = {
  commit: '0123456789abcdef0123456789abcdef01234567',
  tag: 'v1.2.3',
  describe: 'v1.2.3-4-g0123456',
  branch: 'main',
  dirty: false,
  commitTimestamp: 1700000000,
};

describe('templates', () => {
  const values = templateValues(git, { HOME: '/root', TEAM: 'platform' });

  it('expands the goreleaser and ko field names', () => {
    const out = renderTemplate(
      '-X main.version={{.Version}} -X main.commit={{ .ShortCommit }} -X main.date={{.Date}} {{.Git.FullCommit}} {{.Env.TEAM}} {{.Tag}}',
      values,
    );
    expect(out).toBe(
      `-X main.version=1.2.3-4-g0123456 -X main.commit=0123456 -X main.date=2023-11-14T22:13:20Z ${git.commit} platform v1.2.3`,
    );
  });

  it('takes .Date from SOURCE_DATE_EPOCH, then the commit time, never the clock', () => {
    expect(renderTemplate('{{.Date}} {{.Timestamp}}', templateValues(git, { SOURCE_DATE_EPOCH: '0' }))).toBe(
      '1970-01-01T00:00:00Z 0',
    );
    expect(renderTemplate('{{.Date}}', templateValues({}, {}))).toBe('1970-01-01T00:00:00Z');
    expect(renderTemplate('{{.Version}} {{.Commit}}|', templateValues({}, {}))).toBe('0.0.0-devel |');
  });

  it('lets MINNOW_VERSION override the version git describes', () => {
    expect(renderTemplate('{{.Version}}', templateValues(git, { MINNOW_VERSION: 'v9.9.9' }))).toBe('9.9.9');
  });

  it('refuses unknown fields, unset variables and pipelines instead of baking in an empty string', () => {
    expect(() => renderTemplate('{{.Versoin}}', values)).toThrow(
      /unknown template field "\{\{\.Versoin\}\}"/,
    );
    expect(() => renderTemplate('{{.Env.NOPE}}', values)).toThrow(/NOPE is not set/);
    expect(() => renderTemplate('{{ .Version | upper }}', values)).toThrow(/unsupported template/);
  });

  it('leaves text without templates alone', () => {
    expect(renderTemplate('-s -w', values)).toBe('-s -w');
  });
});
