import { describe, expect, it } from 'vitest';
import { debugEntrypoint } from '../../src/build/debug.js';
import { renderBuildSummary, type BuildSummary } from '../../src/report/build-summary.js';
import { nextStep } from '../../src/report/next-step.js';
import { formatBytes } from '../../src/util/size.js';

const SUMMARY: BuildSummary = {
  output: 'oci:.minnow/hello:latest',
  outputKind: 'oci',
  digest: `sha256:${'a'.repeat(64)}`,
  size: 5_998_592,
  compressedSize: 2_600_000,
  layers: 2,
  platforms: ['linux/amd64'],
  base: 'static',
  user: '65532:65532',
  entrypoint: ['/app/hello'],
  binaries: [{ name: 'hello', size: 5_767_294 }],
};

describe('the build summary', () => {
  it('lines every value up under the longest label, whatever rows a build has', () => {
    const text = renderBuildSummary({ ...SUMMARY, reproducible: true, note: 'a note' });
    const rows = text.trimEnd().split('\n').slice(1);
    const starts = rows.map((r) => /^ {2}\S+ +/.exec(r)?.[0].length);
    expect(new Set(starts).size).toBe(1);
    expect(text).toContain('  reproducible verified');
  });

  it('ends with the next command for each kind of output', () => {
    expect(renderBuildSummary(SUMMARY)).toMatch(
      /^ {2}next +minnow push oci:\.minnow\/hello:latest REGISTRY\/NAME:TAG, or build with -o daemon/m,
    );
    expect(nextStep('daemon', 'hello:latest')).toBe('docker run --rm hello:latest');
    expect(nextStep('docker', 'docker:out/hello.tar')).toBe('docker load -i out/hello.tar');
    expect(nextStep('registry', 'r.example/hello@sha256:ab')).toBe(
      'docker run --rm r.example/hello@sha256:ab',
    );
  });

  it('a --debug image says where Delve listens and how to reach it; other images say nothing of it', () => {
    const entrypoint = debugEntrypoint(['/app/hello'], 41000);
    expect(renderBuildSummary({ ...SUMMARY, entrypoint })).toMatch(
      /^ {2}debug +Delve listens on 41000: publish it \(-p 41000:41000\), then dlv connect 127\.0\.0\.1:41000$/m,
    );
    expect(renderBuildSummary(SUMMARY)).not.toMatch(/Delve/);
  });

  it('uses decimal kB/MB/GB everywhere, as docker image ls does', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1_500)).toBe('1.50 kB');
    expect(formatBytes(2_600_000)).toBe('2.60 MB');
    expect(formatBytes(13_160_000)).toBe('13.2 MB');
    expect(formatBytes(1_090_000_000)).toBe('1.09 GB');
  });
});
