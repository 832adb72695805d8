import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDockerArchive } from '../../src/base/docker-archive.js';
import { readLayout } from '../../src/base/layout.js';
import { validateImage } from '../../src/oci/index.js';
import { buildAndPublish } from '../../src/pipeline/build-and-publish.js';
import { createSink } from '../../src/publish/sinks/index.js';
import { renderBuildSummary } from '../../src/report/build-summary.js';
import { HELLO_DIR } from '../go/go-fixtures.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';

describe('buildAndPublish: what minnow build does, as a library call (real go, real registry)', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('builds once, writes every sink, pushes, writes the SBOM and reports it all', async () => {
    const dir = await tempDir();
    const registryOptions = { insecureRegistries: [registry.host] };
    const steps: string[] = [];
    const transfers: string[] = [];
    const report = await buildAndPublish({
      dir: HELLO_DIR,
      cacheDir: join(dir, 'cache'),
      sinks: [
        createSink(`oci:${join(dir, 'layout')}:v1`),
        createSink(`docker:${join(dir, 'hello.tar')}`),
        createSink(`${registry.host}/lib/hello:v1`, { registry: registryOptions }),
      ],
      name: { name: 'minnow-test/hello', tag: 'v1' },
      sbom: { file: join(dir, 'sbom.json'), format: 'spdx-json' },
      onStep: (m) => steps.push(m),
      onTransfer: (e) => transfers.push(`${e.direction} ${e.status}`),
    });
    const digest = report.result.digest;
    expect(report.written.map((w) => [w.kind, w.digest])).toEqual([
      ['oci', digest],
      ['docker', digest],
      ['registry', digest],
    ]);
    expect(report.summary).toMatchObject({
      output: `oci:${join(dir, 'layout')}:v1`,
      outputKind: 'oci',
      digest,
      binaries: [{ name: 'hello' }],
      user: '65532:65532',
      alsoWritten: [`docker:${join(dir, 'hello.tar')}`],
    });
    expect(renderBuildSummary(report.summary)).toMatch(/^ {2}also +docker:\S+hello\.tar$/m);
    expect(report.pushed).toEqual([
      expect.objectContaining({ ref: `${registry.host}/lib/hello@${digest}`, digest }),
    ]);
    expect(steps[0]).toBe('reading options');
    expect(steps).toContain(`writing oci:${join(dir, 'layout')}:v1, docker:${join(dir, 'hello.tar')}`);
    expect(steps).toContain(`pushing to ${registry.host}/lib/hello:v1`);
    expect(transfers).toContain('push done');

    const layout = await readLayout(join(dir, 'layout'), { tag: 'v1' });
    const tarball = await readDockerArchive(join(dir, 'hello.tar'));
    for (const back of [layout, tarball]) {
      if (back.kind !== 'image') throw new Error('expected an image');
      expect(await back.image.digest()).toBe(digest);
      expect(await validateImage(back.image)).toEqual([]);
    }
    const sbom = JSON.parse(await readFile(join(dir, 'sbom.json'), 'utf8')) as { name: string };
    expect(sbom.name).toContain(`minnow-test/hello@${digest}`);
  });

  it('checks every sink before it compiles anything', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'taken'));
    await writeFile(join(dir, 'taken', 'file'), 'not a layout');
    const steps: string[] = [];
    await expect(
      buildAndPublish({
        dir: HELLO_DIR,
        cacheDir: join(dir, 'cache'),
        sinks: [createSink(`oci:${join(dir, 'taken')}`)],
        onStep: (m) => steps.push(m),
      }),
    ).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
    expect(steps).toEqual(['reading options']);
  });
});
