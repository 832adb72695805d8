import { readFile } from 'node:fs/promises';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeImage } from '../../src/analyze/analyze.js';
import { renderSbom, sbomComponents } from '../../src/analyze/sbom/index.js';
import type { ImageAnalysis } from '../../src/analyze/types.js';
import { build } from '../../src/build/build.js';
import { alpineBase, distrolessBase } from '../helpers/fixture-images.js';
import { tempDir } from '../helpers/tmp.js';

const SCHEMAS = fileURLToPath(new URL('../fixtures/schemas/', import.meta.url));
const load = async (f: string): Promise<Record<string, unknown>> =>
  JSON.parse(await readFile(join(SCHEMAS, f), 'utf8')) as Record<string, unknown>;

type Validate = (doc: unknown) => string[];

async function validators(): Promise<{ spdx: Validate; cdx: Validate }> {
  const ajv = new Ajv({ strict: false, allErrors: true });
  (addFormatsModule as unknown as (a: Ajv) => void)(ajv);
  ajv.addFormat('iri-reference', true);
  ajv.addFormat('idn-email', true);
  // The CycloneDX schema refers to its neighbours by their .SNAPSHOT names.
  ajv.addSchema({
    ...(await load('spdx.SNAPSHOT.schema.json')),
    $id: 'http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json',
  });
  ajv.addSchema({
    ...(await load('jsf-0.82.SNAPSHOT.schema.json')),
    $id: 'http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json',
  });
  const cdx = ajv.compile(await load('bom-1.5.SNAPSHOT.schema.json'));
  const spdx = ajv.compile(await load('spdx-schema-2.3.json'));
  const wrap =
    (v: typeof cdx): Validate =>
    (doc) =>
      v(doc) ? [] : (v.errors ?? []).map((e: ErrorObject) => `${e.instancePath} ${e.message}`);
  return { spdx: wrap(spdx), cdx: wrap(cdx) };
}

/** A Go app with one dependency module (a local replace, so no network). */
async function goApp(dir: string): Promise<string> {
  const app = join(dir, 'app');
  const lib = join(dir, 'lib');
  await mkdir(app, { recursive: true });
  await mkdir(lib, { recursive: true });
  await writeFile(join(lib, 'go.mod'), 'module example.com/greet\n\ngo 1.21\n');
  await writeFile(join(lib, 'greet.go'), 'package greet\n\nfunc Hello() string { return "hello" }\n');
  await writeFile(
    join(app, 'go.mod'),
    'module example.com/sbomapp\n\ngo 1.21\n\nrequire example.com/greet v1.4.0\n\nreplace example.com/greet v1.4.0 => ../lib\n',
  );
  await writeFile(
    join(app, 'main.go'),
    'package main\n\nimport (\n\t"fmt"\n\t"example.com/greet"\n)\n\nfunc main() { fmt.Println(greet.Hello()) }\n',
  );
  return app;
}

describe('SBOM (SPDX 2.3 and CycloneDX 1.5)', () => {
  let v: { spdx: Validate; cdx: Validate };
  let alpine: ImageAnalysis;
  let distroless: ImageAnalysis;
  let goImage: ImageAnalysis;
  beforeAll(async () => {
    v = await validators();
    alpine = await analyzeImage(await alpineBase(), { reference: 'alpine:3.19' });
    distroless = await analyzeImage(await distrolessBase(), {
      reference: 'gcr.io/distroless/static-debian12',
    });
    const dir = await tempDir();
    const result = await build({
      dir: await goApp(dir),
      base: 'static',
      cacheDir: join(dir, 'cache'),
      goEnv: { GOFLAGS: '-mod=mod', GOPROXY: 'off' },
    });
    goImage = await analyzeImage(result.images[0]!.image, { reference: 'sbomapp:latest' });
  }, 300_000);

  it('lists apk, deb and Go components with their PURLs', () => {
    const apk = sbomComponents(alpine);
    expect(apk).toHaveLength(15);
    expect(apk.find((c) => c.name === 'musl')?.purl).toMatch(
      /^pkg:apk\/alpine\/musl@1\.2\.4[^?]*\?arch=x86_64&distro=alpine-3\.19\.4$/,
    );
    const deb = sbomComponents(distroless);
    expect(deb.map((c) => c.name)).toEqual([
      'base-files',
      'ca-certificates',
      'media-types',
      'netbase',
      'tzdata',
    ]);
    expect(deb.find((c) => c.name === 'tzdata')?.purl).toMatch(
      /^pkg:deb\/debian\/tzdata@2026f-0%2Bdeb12u1\?arch=all&distro=debian-12$/,
    );
    const go = sbomComponents(goImage);
    const goVersion = goImage.goBinaries[0]?.info.goVersion ?? '';
    expect(go.map((c) => c.purl)).toEqual(
      expect.arrayContaining([
        `pkg:golang/stdlib@${goVersion.replace(/^go/, '')}`,
        'pkg:golang/example.com/sbomapp',
        'pkg:golang/example.com/greet@v1.4.0',
      ]),
    );
  });

  for (const format of ['spdx-json', 'cyclonedx-json'] as const) {
    it(`${format} validates against the official schema for every image, and is deterministic`, () => {
      for (const a of [alpine, distroless, goImage]) {
        const text = renderSbom(a, format);
        const doc = JSON.parse(text) as Record<string, unknown>;
        expect(format === 'spdx-json' ? v.spdx(doc) : v.cdx(doc)).toEqual([]);
        expect(renderSbom(a, format)).toBe(text);
        for (const c of sbomComponents(a)) expect(text).toContain(JSON.stringify(c.purl));
      }
    });
  }

  it('the validators do reject a broken document', () => {
    const spdx = JSON.parse(renderSbom(alpine, 'spdx-json')) as Record<string, unknown>;
    delete spdx.creationInfo;
    expect(v.spdx(spdx).length).toBeGreaterThan(0);
    const cdx = JSON.parse(renderSbom(alpine, 'cyclonedx-json')) as Record<string, unknown>;
    cdx.specVersion = 1.5;
    expect(v.cdx(cdx).length).toBeGreaterThan(0);
  });
});
