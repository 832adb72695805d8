import { describe, expect, it } from 'vitest';
import { analyzeImage } from '../../src/analyze/analyze.js';
import { renderAnalysisMarkdown, renderAnalysisText } from '../../src/report/analysis-text.js';
import { renderAnalysisHtml } from '../../src/report/analysis-html.js';
import { alpineBase } from '../helpers/fixture-images.js';

describe('analysis reports', async () => {
  const a = await analyzeImage(await alpineBase(), { reference: 'alpine:3.19', top: 3 });

  it('text: facts, layers, largest files and findings with fixes', () => {
    const t = renderAnalysisText(a);
    expect(t).toMatch(/^alpine:3\.19 {2}sha256:[0-9a-f]{12} {2}linux\/amd64 {2}Alpine Linux v3\.19/);
    expect(t).toMatch(/size +7\.\d\d MB \(docker image ls\), 3\.30 MB compressed/);
    expect(t).toContain('efficiency   100.0%, 0 B wasted');
    const largest = t.split('Largest files\n')[1]?.split('\n\n')[0]?.split('\n') ?? [];
    expect(largest).toHaveLength(3);
    expect(largest[0]).toMatch(/^\s*\d\.\d\d MB {2}\/lib\/libcrypto\.so\.3$/);
    expect(t).toContain('HIGH    MN-UP-001  runs as root (User is unset)');
    expect(t).toContain('MN-UP-001  Set a non-root user');
    expect(t).not.toContain('NaN');
    // Most severe first: the HIGH line stands above every INFO line.
    const severities = t
      .split('\n')
      .map((l) => /^(CRITICAL|HIGH|MEDIUM|LOW|INFO) +MN-/.exec(l)?.[1])
      .filter((s): s is string => s !== undefined);
    const order = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFO'];
    expect(severities.length).toBe(a.findings.length);
    expect(severities).toEqual([...severities].sort((x, y) => order.indexOf(x) - order.indexOf(y)));
  });

  it('markdown: a findings table', () => {
    const m = renderAnalysisMarkdown(a);
    expect(m).toContain('## alpine:3.19');
    expect(m).toMatch(/\| high \| MN-UP-001 \| runs as root/);
    expect(m.split('\n').filter((l) => l.startsWith('| ') && /MN-/.test(l))).toHaveLength(a.findings.length);
  });

  it('html: one self-contained page with a layer chart and the findings', () => {
    const h = renderAnalysisHtml(a);
    expect(h).toMatch(/^<!doctype html>/);
    expect(h).not.toMatch(/<script|<link |src="http/);
    expect(h.match(/<rect class="bar"/g)).toHaveLength(2);
    expect(h.match(/<tr class="finding"/g)).toHaveLength(a.findings.length);
  });
});
