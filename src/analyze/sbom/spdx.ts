import type { ImageAnalysis } from '../types.js';
import { sbomComponents, type SbomComponent } from './components.js';
import { ociPurl } from './purl.js';
import { imageSupplier, spdxSupplier } from './supplier.js';

function spdxId(prefix: string, s: string, n: number): string {
  return `SPDXRef-${prefix}-${s.replace(/[^A-Za-z0-9.-]+/g, '-').slice(0, 80)}-${n}`;
}

function purpose(c: SbomComponent): string {
  return c.kind === 'go-main'
    ? 'APPLICATION'
    : c.kind === 'go-stdlib' || c.kind === 'go-module'
      ? 'LIBRARY'
      : 'INSTALL';
}

/**
 * An SPDX 2.3 JSON document of the image: the image as the described CONTAINER package (its manifest digest as
 * version and checksum), every component as a package it CONTAINS with its supplier, license, PURL and CPE, and a
 * DEPENDS_ON relationship for each dependency between them. Deterministic: the same image gives the same bytes
 * (the creation time is the image's own `created`).
 */
export function toSpdx(a: ImageAnalysis, tool = 'minnow'): Record<string, unknown> {
  const components = sbomComponents(a);
  const imageId = 'SPDXRef-Image';
  const ids = new Map(components.map((c, i) => [c.purl, spdxId('Package', `${c.kind}-${c.name}`, i + 1)]));
  const created = (a.created && !Number.isNaN(Date.parse(a.created)) ? new Date(a.created) : new Date(0))
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z');
  const [algorithm, hex] = a.digest.split(':');
  const packages = [
    {
      SPDXID: imageId,
      name: a.reference,
      versionInfo: a.digest,
      supplier: spdxSupplier(imageSupplier(a)),
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      ...(algorithm === 'sha256' && hex ? { checksums: [{ algorithm: 'SHA256', checksumValue: hex }] } : {}),
      primaryPackagePurpose: 'CONTAINER',
      externalRefs: [
        {
          referenceCategory: 'PACKAGE-MANAGER',
          referenceType: 'purl',
          referenceLocator: ociPurl(a.reference, a.digest, a.platform.architecture),
        },
      ],
    },
    ...components.map((c) => ({
      SPDXID: ids.get(c.purl)!,
      name: c.name,
      versionInfo: c.version,
      supplier: spdxSupplier(c.supplier),
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: c.spdxLicense ?? 'NOASSERTION',
      copyrightText: 'NOASSERTION',
      primaryPackagePurpose: purpose(c),
      sourceInfo: `found in ${c.foundIn.join(', ')}`,
      externalRefs: [
        { referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: c.purl },
        { referenceCategory: 'SECURITY', referenceType: 'cpe23Type', referenceLocator: c.cpe },
      ],
    })),
  ];
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: a.reference,
    documentNamespace: `https://minnow.dev/spdx/${encodeURIComponent(a.reference)}-${a.digest.replace(':', '-')}`,
    creationInfo: { created, creators: [`Tool: ${tool}`] },
    documentDescribes: [imageId],
    packages,
    relationships: [
      { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: imageId },
      ...packages
        .slice(1)
        .map((p) => ({ spdxElementId: imageId, relationshipType: 'CONTAINS', relatedSpdxElement: p.SPDXID })),
      ...components.flatMap((c) =>
        c.dependsOn.map((d) => ({
          spdxElementId: ids.get(c.purl)!,
          relationshipType: 'DEPENDS_ON',
          relatedSpdxElement: ids.get(d)!,
        })),
      ),
    ],
  };
}
