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
import { writeLayout } from '../../src/publish/layout.js';
import { cli } from '../helpers/cli.js';
import { exec } from '../helpers/exec.js';
import { alpineBase, distrolessBase } from '../helpers/fixture-images.js';
import { ntiaChecker } from '../helpers/peer-tools.js';
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
  let goLayout: string;
  let dir: string;
  beforeAll(async () => {
    v = await validators();
    alpine = await analyzeImage(await alpineBase(), { reference: 'alpine:3.19' });
    distroless = await analyzeImage(await distrolessBase(), {
      reference: 'gcr.io/distroless/static-debian12',
    });
    dir = await tempDir();
    const result = await build({
      dir: await goApp(dir),
      base: 'static',
      cacheDir: join(dir, 'cache'),
      goEnv: { GOFLAGS: '-mod=mod', GOPROXY: 'off' },
    });
    goImage = await analyzeImage(result.images[0]!.image, { reference: 'sbomapp:latest' });
    goLayout = join(dir, 'layout');
    await writeLayout(goLayout, { kind: 'image', image: result.images[0]!.image }, { tag: 'latest' });
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

  it("minnow's own image: its SPDX passes the NTIA minimum-elements checker, as the sbom command writes it", async () => {
    const file = join(dir, 'own.spdx.json');
    const r = await cli(['sbom', `oci:${goLayout}`, '-o', file]);
    expect(r.status).toBe(0);
    const report = JSON.parse(await exec(await ntiaChecker(), ['--comply', 'ntia', '-r', 'json', file])) as {
      isNtiaConformant: boolean;
      validationMessages: unknown[];
      parsingError: unknown[];
      componentSuppliers: { nonconformantComponents: string[] };
      totalNumberComponents: number;
    };
    expect(report.validationMessages).toEqual([]);
    expect(report.parsingError).toEqual([]);
    expect(report.componentSuppliers.nonconformantComponents).toEqual([]);
    // The image, stdlib, the main module and its dependency.
    expect(report.totalNumberComponents).toBe(4);
    expect(report.isNtiaConformant).toBe(true);
  });

  it("minnow's own image: its CycloneDX has every NTIA minimum element (checked here: the checker reads SPDX only)", async () => {
    const r = await cli(['sbom', `oci:${goLayout}`, '--format', 'cyclonedx-json']);
    expect(r.status).toBe(0);
    const bom = JSON.parse(r.out) as {
      metadata: {
        timestamp: string;
        tools: { components: { name: string }[] };
        component: Record<string, unknown> & { hashes?: { alg: string; content: string }[] };
      };
      components: (Record<string, unknown> & { supplier?: { name?: string } })[];
      dependencies: { ref: string; dependsOn: string[] }[];
    };
    // NTIA (2021): supplier, component name, version, other unique identifiers, dependency relationship,
    // author of the SBOM data, timestamp; for every component, the image itself included.
    const problems: string[] = [];
    const all: (Record<string, unknown> & { supplier?: { name?: string } })[] = [
      bom.metadata.component,
      ...bom.components,
    ];
    for (const c of all) {
      const name = String(c.name);
      if (!c.supplier?.name) problems.push(`${name}: no supplier`);
      if (!c.name) problems.push('a component has no name');
      if (!c.version) problems.push(`${name}: no version`);
      if (!c.purl && !c.cpe) problems.push(`${name}: no unique identifier`);
      if (!bom.dependencies.some((d) => d.ref === c['bom-ref']))
        problems.push(`${name}: no dependency entry`);
    }
    if (!bom.metadata.tools.components.some((t) => t.name === 'minnow')) problems.push('no author (tool)');
    if (Number.isNaN(Date.parse(bom.metadata.timestamp))) problems.push('no timestamp');
    expect(problems).toEqual([]);
    expect(bom.metadata.component.hashes?.[0]?.content).toBe(goImage.digest.slice('sha256:'.length));
    const main = bom.components.find((c) => c.name === 'example.com/sbomapp');
    const root = bom.dependencies.find((d) => d.ref === bom.metadata.component['bom-ref']);
    expect(root?.dependsOn).toContain(main?.purl);
    expect(bom.dependencies.find((d) => d.ref === main?.purl)?.dependsOn.sort()).toEqual(
      bom.components
        .filter((c) => c.name === 'stdlib' || c.name === 'example.com/greet')
        .map((c) => String(c.purl))
        .sort(),
    );
  });
});
