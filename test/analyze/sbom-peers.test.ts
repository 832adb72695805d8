import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeImage } from '../../src/analyze/analyze.js';
import { renderSbom } from '../../src/analyze/sbom/index.js';
import type { ImageAnalysis } from '../../src/analyze/types.js';
import { writeLayout } from '../../src/publish/layout.js';
import { debianHostImage } from '../helpers/debian-image.js';
import { exec } from '../helpers/exec.js';
import { alpineBase } from '../helpers/fixture-images.js';
import { goBinTool } from '../helpers/peer-tools.js';
import { tempDir } from '../helpers/tmp.js';

interface SyftDoc {
  artifacts: {
    id: string;
    name: string;
    type: string;
    purl: string;
    licenses: { value: string; spdxExpression: string }[];
  }[];
  artifactRelationships: { parent: string; child: string; type: string }[];
}

interface SpdxDoc {
  packages: {
    SPDXID: string;
    name: string;
    supplier: string;
    versionInfo: string;
    checksums?: { checksumValue: string }[];
    externalRefs: { referenceType: string; referenceLocator: string }[];
  }[];
  relationships: { spdxElementId: string; relationshipType: string; relatedSpdxElement: string }[];
  documentDescribes: string[];
}

interface CdxComponent {
  'bom-ref': string;
  type: string;
  name: string;
  version?: string;
  purl?: string;
  cpe?: string;
  supplier?: { name?: string; contact?: { name?: string; email?: string }[] };
  hashes?: { alg: string; content: string }[];
}

interface CdxDoc {
  metadata: { component: CdxComponent };
  components: CdxComponent[];
  dependencies?: { ref: string; dependsOn?: string[] }[];
}

/** A PURL as comparable parts: the qualifiers as a sorted list (their order is not part of a PURL's identity). */
function purlParts(purl: string): string {
  const [base = '', query = ''] = purl.split('?');
  const q = query.split('&').filter(Boolean).map(decodeURIComponent).sort();
  return `${decodeURIComponent(base)}?${q.join('&')}`;
}

/** `dependent -> dependency` pairs by package name, from minnow's SPDX. */
function spdxEdges(doc: SpdxDoc): string[] {
  const name = new Map(doc.packages.map((p) => [p.SPDXID, p.name]));
  return doc.relationships
    .filter((r) => r.relationshipType === 'DEPENDS_ON')
    .map((r) => `${name.get(r.spdxElementId)} -> ${name.get(r.relatedSpdxElement)}`)
    .sort();
}

/** The same from syft: in its `dependency-of` relationships the parent is the dependency, the child depends on it. */
function syftEdges(doc: SyftDoc): string[] {
  const name = new Map(doc.artifacts.map((a) => [a.id, a.name]));
  return doc.artifactRelationships
    .filter((r) => r.type === 'dependency-of' && name.has(r.parent) && name.has(r.child))
    .map((r) => `${name.get(r.child)} -> ${name.get(r.parent)}`)
    .sort();
}

/**
 * `dependent -> dependency` pairs from a CycloneDX `dependencies` array, each end as its component's PURL (by
 * purlParts). syft's bom-refs are PURLs with its own `package-id=` qualifier added, and its components' `purl`
 * fields are the plain PURLs, so both documents resolve to the same names. The image's own entry (minnow lists
 * the image depending on every component, syft lists no entry for its metadata.component) is left out, as the
 * SPDX comparison leaves out CONTAINS; entries with no dependsOn add no pair. A ref to no component shows as
 * `(no component REF)`.
 */
function cdxEdges(doc: CdxDoc): string[] {
  const purl = new Map(
    doc.components.map((c) => [c['bom-ref'], c.purl ? purlParts(c.purl) : `${c.name}@${c.version}`]),
  );
  const node = (ref: string): string => purl.get(ref) ?? `(no component ${ref})`;
  return (doc.dependencies ?? [])
    .filter((d) => d.ref !== doc.metadata.component['bom-ref'])
    .flatMap((d) => (d.dependsOn ?? []).map((x) => `${node(d.ref)} -> ${node(x)}`))
    .sort();
}

/** The components a CycloneDX SBOM lists as software (syft also lists `file` components). */
const CDX_SOFTWARE = new Set(['library', 'operating-system', 'application']);

describe('SBOM depth against syft, on real Debian and Alpine content', () => {
  const images: Record<
    'debian' | 'alpine',
    { analysis: ImageAnalysis; spdx: SpdxDoc; cdx: CdxDoc; syft: SyftDoc; syftCdx: CdxDoc }
  > = {} as never;
  let debianPackages: string[];
  let debianPaths: string[];
  beforeAll(async () => {
    const dir = await tempDir();
    const syft = await goBinTool('syft');
    const debian = await debianHostImage(dir);
    debianPackages = debian.packages;
    debianPaths = debian.paths;
    for (const [kind, image] of [
      ['debian', debian.image],
      ['alpine', await alpineBase()],
    ] as const) {
      const layout = join(dir, kind);
      await writeLayout(layout, { kind: 'image', image }, { tag: 'latest' });
      const analysis = await analyzeImage(image, { reference: `${kind}-test` });
      // One syft run, both its own JSON (stdout) and its CycloneDX JSON (a file).
      const syftCdx = join(dir, `${kind}.syft.cdx.json`);
      const out = await exec(
        syft,
        ['-q', `oci-dir:${layout}`, '-o', 'syft-json', '-o', `cyclonedx-json=${syftCdx}`],
        { env: { ...process.env, SYFT_CHECK_FOR_APP_UPDATE: 'false' } },
      );
      images[kind] = {
        analysis,
        spdx: JSON.parse(renderSbom(analysis, 'spdx-json')) as SpdxDoc,
        cdx: JSON.parse(renderSbom(analysis, 'cyclonedx-json')) as CdxDoc,
        syft: JSON.parse(out) as SyftDoc,
        syftCdx: JSON.parse(await readFile(syftCdx, 'utf8')) as CdxDoc,
      };
    }
  }, 300_000);

  it('reads deb licenses from /usr/share/doc/*/copyright: every SPDX license syft finds, on as many packages', async () => {
    const spdxIds = new Set(
      JSON.parse(await readFile(join('node_modules', 'spdx-license-ids', 'index.json'), 'utf8')) as string[],
    );
    const { analysis, syft } = images.debian;
    expect(analysis.packages.map((p) => p.name)).toEqual(debianPackages);
    const ours = new Map(analysis.packages.map((p) => [p.name, new Set(p.license?.split(' AND ') ?? [])]));
    const missing: string[] = [];
    let syftLicensed = 0;
    for (const a of syft.artifacts.filter((x) => x.type === 'deb')) {
      const theirs = a.licenses.map((l) => l.spdxExpression || l.value).filter((l) => spdxIds.has(l));
      if (theirs.length > 0) syftLicensed++;
      for (const l of theirs) if (!ours.get(a.name)?.has(l)) missing.push(`${a.name}: ${l}`);
    }
    expect(missing).toEqual([]);
    const licensed = analysis.packages.filter((p) => p.license).length;
    expect(syftLicensed).toBeGreaterThan(50);
    expect(licensed).toBeGreaterThanOrEqual(syftLicensed);
    expect(ours.get('apt')).toEqual(new Set(['BSD-3-Clause', 'GPL-2.0-only', 'GPL-2.0-or-later', 'MIT']));
  });

  for (const kind of ['debian', 'alpine'] as const) {
    it(`${kind}: PURLs (upstream= source qualifiers included) equal syft's`, () => {
      const { spdx, syft } = images[kind];
      const type = kind === 'debian' ? 'deb' : 'apk';
      const ours = spdx.packages
        .flatMap((p) =>
          p.externalRefs.filter((r) => r.referenceType === 'purl').map((r) => r.referenceLocator),
        )
        .filter((p) => p.startsWith(`pkg:${type}/`))
        .map(purlParts)
        .sort();
      const theirs = syft.artifacts
        .filter((a) => a.type === type)
        .map((a) => purlParts(a.purl))
        .sort();
      expect(ours).toEqual(theirs);
      expect(ours.some((p) => p.includes('&upstream='))).toBe(true);
    });

    it(`${kind}: the dependency graph equals syft's`, () => {
      const edges = spdxEdges(images[kind].spdx);
      expect(edges.length).toBeGreaterThan(kind === 'debian' ? 100 : 10);
      expect(edges).toEqual(syftEdges(images[kind].syft));
    });

    it(`${kind}: the CycloneDX dependency graph equals syft's CycloneDX graph`, () => {
      const { cdx, syftCdx } = images[kind];
      const edges = cdxEdges(cdx);
      expect(edges.length).toBeGreaterThan(kind === 'debian' ? 100 : 10);
      expect(edges.filter((e) => e.includes('(no component '))).toEqual([]);
      expect(edges).toEqual(cdxEdges(syftCdx));
      // The same graph as minnow's SPDX DEPENDS_ON relationships.
      expect(edges.length).toBe(spdxEdges(images[kind].spdx).length);
      // Every ref and dependsOn names a component (or the image), each component has exactly one entry.
      const refs = new Set([cdx.metadata.component['bom-ref'], ...cdx.components.map((c) => c['bom-ref'])]);
      const deps = cdx.dependencies ?? [];
      expect(deps.map((d) => d.ref).sort()).toEqual([...refs].sort());
      expect(deps.flatMap((d) => d.dependsOn ?? []).filter((r) => !refs.has(r))).toEqual([]);
    });
  }

  it('CycloneDX: every component has a supplier and a CPE; metadata.component is the image with its digest', () => {
    for (const kind of ['debian', 'alpine'] as const) {
      const { cdx, syftCdx, analysis } = images[kind];
      const root = cdx.metadata.component;
      expect(root.type).toBe('container');
      expect(root.version).toBe(analysis.digest);
      // syft names the image by the same manifest digest.
      expect(syftCdx.metadata.component.version).toBe(analysis.digest);
      expect(root.hashes).toEqual([{ alg: 'SHA-256', content: analysis.digest.slice('sha256:'.length) }]);
      expect(root.purl).toBe(root['bom-ref']);
      expect(root.purl).toContain(`@${encodeURIComponent(analysis.digest)}`);
      // Nothing says who supplies these test images: no supplier is made up (SPDX says NOASSERTION).
      expect(root.supplier).toBeUndefined();
      // The image depends on every component.
      const imageDeps = cdx.dependencies?.find((d) => d.ref === root['bom-ref'])?.dependsOn ?? [];
      expect([...imageDeps].sort()).toEqual(cdx.components.map((c) => c['bom-ref']).sort());
      const components = cdx.components.filter((c) => CDX_SOFTWARE.has(c.type));
      expect(components).toEqual(cdx.components);
      expect(components.length).toBe(analysis.packages.length);
      const problems = components.flatMap((c) => [
        ...(c.supplier?.name?.trim() ? [] : [`${c.name}: no supplier`]),
        ...(c.cpe?.startsWith('cpe:2.3:a:') ? [] : [`${c.name}: no CPE (${c.cpe})`]),
      ]);
      expect(problems).toEqual([]);
      // The same software syft lists, by PURL.
      expect(components.map((c) => purlParts(c.purl ?? '')).sort()).toEqual(
        syftCdx.components
          .filter((c) => c.type === 'library')
          .map((c) => purlParts(c.purl ?? ''))
          .sort(),
      );
    }
    const libc = images.debian.cdx.components.find((c) => c.name === 'libc6');
    expect(libc?.supplier).toEqual({
      name: 'GNU Libc Maintainers',
      contact: [{ email: 'debian-glibc@lists.debian.org' }],
    });
  });

  it('every component has a supplier and a CPE; the image is the described root with its digest', () => {
    for (const kind of ['debian', 'alpine'] as const) {
      const { spdx, analysis } = images[kind];
      const [root, ...components] = spdx.packages;
      expect(spdx.documentDescribes).toEqual([root?.SPDXID]);
      expect(root?.versionInfo).toBe(analysis.digest);
      expect(root?.checksums?.[0]?.checksumValue).toBe(analysis.digest.slice('sha256:'.length));
      // Nothing says who supplies these test images (no vendor label, no Go program): no supplier is made up.
      expect(root?.supplier).toBe('NOASSERTION');
      const problems = components.flatMap((p) => [
        ...(/^(Person|Organization): \S/.test(p.supplier) ? [] : [`${p.name}: supplier ${p.supplier}`]),
        ...(p.externalRefs.some(
          (r) => r.referenceType === 'cpe23Type' && r.referenceLocator.startsWith('cpe:2.3:a:'),
        )
          ? []
          : [`${p.name}: no CPE`]),
      ]);
      expect(problems).toEqual([]);
      expect(components.length).toBe(analysis.packages.length);
    }
    const libc = images.debian.spdx.packages.find((p) => p.name === 'libc6');
    expect(libc?.supplier).toBe('Organization: GNU Libc Maintainers (debian-glibc@lists.debian.org)');
  });

  it("apt's transport helpers (/usr/lib/apt/methods/ftp, ssh…) are not network tools", () => {
    const { analysis } = images.debian;
    // The image holds them, as apt installs them.
    for (const m of ['ftp', 'ssh', 'rsh', 'http', 'https'])
      expect(debianPaths).toContain(`/usr/lib/apt/methods/${m}`);
    expect(analysis.utilities.networkTools).toEqual([]);
    expect(analysis.findings.map((f) => f.rule)).not.toContain('MN-SU-005');
    expect(analysis.utilities.packageManagers).toEqual(['/usr/bin/apt', '/usr/bin/apt-get']);
  });
});
