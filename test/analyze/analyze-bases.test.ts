import { describe, expect, it } from 'vitest';
import { analyzeImage } from '../../src/analyze/analyze.js';
import { alpineBase, distrolessBase } from '../helpers/fixture-images.js';

describe('analyzeImage on the real base images', () => {
  it('alpine 3.19: busybox shell, apk, 15 packages, root', async () => {
    const a = await analyzeImage(await alpineBase(), { reference: 'alpine:3.19' });
    expect(a.layers).toHaveLength(1);
    expect(a.layers[0]?.compression).toBe('gzip');
    expect(a.size.compressed).toBe(3_299_369);
    // docker image ls says 7.4 MB for the official image.
    expect(a.size.content / 1e6).toBeGreaterThan(7.2);
    expect(a.size.content / 1e6).toBeLessThan(7.6);
    expect(a.efficiency).toMatchObject({ score: 1, wastedBytes: 0 });
    expect(a.packages).toHaveLength(15);
    expect(a.packages.every((p) => p.type === 'apk')).toBe(true);
    expect(a.packages.map((p) => p.name)).toContain('musl');
    expect(a.utilities.shells).toContain('/bin/sh');
    expect(a.utilities.busybox?.path).toBe('/bin/busybox');
    expect(a.utilities.busybox?.applets.length).toBeGreaterThan(100);
    expect(a.utilities.packageManagers).toContain('/sbin/apk');
    expect(a.utilities.networkTools).toEqual(expect.arrayContaining(['/usr/bin/wget', '/usr/bin/nc']));
    expect(a.config.runsAsRoot).toBe(true);
    expect(a.os?.id).toBe('alpine');
    expect(a.files.setuid).toBe(0); // the minirootfs has no bbsuid
    expect(a.files.elfBinaries).toBeGreaterThan(5);
    const rules = a.findings.map((f) => f.rule);
    expect(rules).toEqual(
      expect.arrayContaining([
        'MN-SC-001',
        'MN-SU-001',
        'MN-SU-002',
        'MN-SU-003',
        'MN-SU-005',
        'MN-CF-001',
        'MN-UP-001',
      ]),
    );
    expect(a.summary.findings.high).toBeGreaterThan(0);
    expect(a.goBinaries).toEqual([]);
  });

  it('distroless: no shell, nonroot user, tzdata, five deb packages', async () => {
    const a = await analyzeImage(await distrolessBase('nonroot'));
    expect(a.utilities.shells).toEqual([]);
    expect(a.utilities.packageManagers).toEqual([]);
    expect(a.utilities.busybox).toBeUndefined();
    expect(a.config.runsAsRoot).toBe(false);
    expect(a.users.find((u) => u.uid === 65532)?.name).toBe('nonroot');
    expect(a.packages.map((p) => p.name)).toEqual([
      'base-files',
      'ca-certificates',
      'media-types',
      'netbase',
      'tzdata',
    ]);
    expect(a.packages.every((p) => p.type === 'deb' && p.foundIn.startsWith('/var/lib/dpkg/status.d/'))).toBe(
      true,
    );
    expect(a.os?.prettyName).toBe('Distroless');
    expect(a.runtime).toEqual({ caBundle: '/etc/ssl/certs/ca-certificates.crt', tzdata: true });
    expect(a.files.elfBinaries).toBe(0);
    expect(a.findings.map((f) => f.rule)).toEqual(['MN-SC-001']);
    expect(a.summary.findings.high).toBe(0);
    const root = await analyzeImage(await distrolessBase());
    expect(root.config.runsAsRoot).toBe(true);
    expect(root.findings.map((f) => f.rule)).toContain('MN-UP-001');
  });
});
