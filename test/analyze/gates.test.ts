import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeLayout } from '../../src/publish/layout.js';
import { cli as runCli } from '../helpers/cli.js';
import { imageOfLayers } from '../helpers/tar-layers.js';
import { tempDir } from '../helpers/tmp.js';

async function cli(args: string[]): Promise<{ status: number; out: string; err: string }> {
  try {
    return await runCli(args);
  } finally {
    process.exitCode = undefined;
  }
}

describe('analyze CI gates (as dive) and why the exit status is 3, in every format', () => {
  let spec: string;
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
    // 3000 bytes shipped, then deleted and overwritten: efficiency 1000/4000 kept, 3000 wasted.
    const image = await imageOfLayers(dir, [
      [
        { header: { name: 'tmp/build-cache.bin', mode: 0o644 }, data: 'c'.repeat(2000) },
        { header: { name: 'app/data', mode: 0o644 }, data: 'd'.repeat(1000) },
      ],
      [
        { header: { name: 'tmp/.wh.build-cache.bin' } },
        { header: { name: 'app/data', mode: 0o644 }, data: 'D'.repeat(1000) },
      ],
    ]);
    await writeLayout(join(dir, 'layout'), { kind: 'image', image }, { tag: 'waste' });
    spec = `oci:${join(dir, 'layout')}:waste`;
  });
  afterEach(() => {
    process.exitCode = undefined;
  });

  const gates = ['--min-efficiency', '50%', '--max-wasted-bytes', '2KB', '--max-wasted-percent', '0.5'];

  it('text: FAIL with each gate and the wasted paths; stderr has the one line', async () => {
    const r = await cli(['analyze', spec, ...gates]);
    expect(r.status).toBe(3);
    expect(r.out).toContain('Policy: FAIL (exit status 3)');
    expect(r.out).toMatch(/min-efficiency: efficiency 25\.0% is below the --min-efficiency of 50\.0%/);
    expect(r.out).toMatch(
      /max-wasted-bytes: 0\.00 MB \(3000 bytes\) wasted exceeds the --max-wasted-bytes of 0\.00 MB \(2000 bytes\)/,
    );
    expect(r.out).toMatch(
      /max-wasted-percent: 75\.0% of the image is wasted, above the --max-wasted-percent of 50\.0%/,
    );
    expect(r.out).toContain('paths: /tmp/build-cache.bin, /app/data');
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/fails the policy: efficiency 25\.0%/);
  });

  it('json: the analysis carries the verdict with gates, findings and paths', async () => {
    const r = await cli(['analyze', spec, '--json', '--fail-on', 'high', ...gates]);
    expect(r.status).toBe(3);
    const doc = JSON.parse(r.out) as {
      efficiency: { score: number };
      policy: { passed: boolean; violations: Array<{ gate: string; rules: string[]; paths: string[] }> };
    };
    expect(doc.efficiency.score).toBe(0.25);
    expect(doc.policy.passed).toBe(false);
    expect(doc.policy.violations.map((v) => v.gate)).toEqual([
      'fail-on',
      'min-efficiency',
      'max-wasted-bytes',
      'max-wasted-percent',
    ]);
    expect(doc.policy.violations[0]?.rules).toEqual(['MN-UP-001']);
    expect(doc.policy.violations[0]?.paths).toEqual(['config.User']);
    expect(doc.policy.violations[1]?.paths).toEqual(['/tmp/build-cache.bin', '/app/data']);
  });

  it('markdown and HTML say FAIL and why; passing gates say PASS', async () => {
    const md = await cli(['analyze', spec, '--markdown', ...gates]);
    expect(md.out).toContain('**Policy: FAIL** (exit status 3)');
    expect(md.out).toContain('- `max-wasted-bytes`: ');
    const html = join(dir, 'report.html');
    const h = await cli(['analyze', spec, '--html', html, ...gates]);
    expect(h.status).toBe(3);
    const page = await readFile(html, 'utf8');
    expect(page).toContain('<strong>Policy: FAIL</strong> (exit status 3)');
    expect(page).toContain('<code>min-efficiency</code>');
    expect(page).toContain('<code>/tmp/build-cache.bin</code>');
    // What the text shows: layers, largest and wasted files, findings with their paths.
    for (const part of [
      '<h2>Layers</h2>',
      '<h2>Largest files</h2>',
      '<h2>Wasted space</h2>',
      'class="paths"',
    ])
      expect(page).toContain(part);
    const pass = await cli(['analyze', spec, '--min-efficiency', '0.2', '--markdown']);
    expect(pass.status).toBe(0);
    expect(pass.out).toContain('**Policy: PASS**');
  });

  it('errors are JSON on stdout under --json; bad gate values exit 2', async () => {
    const missing = await cli(['analyze', `oci:${join(dir, 'nope')}`, '--json']);
    expect(missing.status).toBe(1);
    const doc = JSON.parse(missing.out) as { error: { code: string; message: string } };
    expect(doc.error.code).toBe('NOT_FOUND');
    expect(doc.error.message).toContain('nope');
    const bad = await cli(['analyze', spec, '--json', '--min-efficiency', '150%']);
    expect(bad.status).toBe(2);
    expect((JSON.parse(bad.out) as { error: { code: string } }).error.code).toBe('INVALID_ARGUMENT');
  });
});
