import type { ImageAnalysis } from '../types.js';
import { sbomComponents, type SbomComponent } from './components.js';
import { ociPurl } from './purl.js';

const SIMPLE_LICENSE = /^[A-Za-z0-9.+-]+(?: (?:AND|OR|WITH) [A-Za-z0-9.+-]+)*$/;

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
 * An SPDX 2.3 JSON document of the image: the image as the described CONTAINER package, and every component as a
 * package it CONTAINS, each with its PURL. Deterministic: the same image gives the same bytes (the creation time
 * is the image's own `created`).
 */
export function toSpdx(a: ImageAnalysis, tool = 'minnow'): Record<string, unknown> {
  const components = sbomComponents(a);
  const imageId = 'SPDXRef-Image';
  const created = (a.created && !Number.isNaN(Date.parse(a.created)) ? new Date(a.created) : new Date(0))
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z');
  const packages = [
    {
      SPDXID: imageId,
      name: a.reference,
      versionInfo: a.digest,
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      primaryPackagePurpose: 'CONTAINER',
      externalRefs: [
        {
          referenceCategory: 'PACKAGE-MANAGER',
          referenceType: 'purl',
          referenceLocator: ociPurl(a.reference, a.digest, a.platform.architecture),
        },
      ],
    },
    ...components.map((c, i) => ({
      SPDXID: spdxId('Package', `${c.kind}-${c.name}`, i + 1),
      name: c.name,
      versionInfo: c.version,
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: c.license && SIMPLE_LICENSE.test(c.license) ? c.license : 'NOASSERTION',
      copyrightText: 'NOASSERTION',
      primaryPackagePurpose: purpose(c),
      sourceInfo: `found in ${c.foundIn.join(', ')}`,
      externalRefs: [
        { referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: c.purl },
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
    ],
  };
}
