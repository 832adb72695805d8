import { createHash } from 'node:crypto';
import type { ImageAnalysis } from '../types.js';
import { sbomComponents } from './components.js';
import { ociPurl } from './purl.js';
import { imageSupplier, type Supplier } from './supplier.js';

/** A name-based (version 5 style) UUID from the image digest, so the same image gives the same serial number. */
function uuidFrom(s: string): string {
  const h = createHash('sha256').update(s).digest('hex');
  const variant = ((parseInt(h[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** CycloneDX's organizational entity: a person as a contact of it. */
function cdxSupplier(s: Supplier | undefined): Record<string, unknown> | undefined {
  if (!s) return undefined;
  if (s.kind === 'Organization')
    return { name: s.name, ...(s.email ? { contact: [{ email: s.email }] } : {}) };
  return { name: s.name, contact: [{ name: s.name, ...(s.email ? { email: s.email } : {}) }] };
}

/**
 * A CycloneDX 1.5 JSON BOM of the image: the image as metadata.component (type container, its manifest digest as
 * version and hash), every component as a library/application with its supplier, license, PURL and CPE, and the
 * dependency graph: the image depends on every component, each component on its own dependencies. Deterministic.
 */
export function toCycloneDx(
  a: ImageAnalysis,
  tool = { name: 'minnow', version: '0.0.0' },
): Record<string, unknown> {
  const components = sbomComponents(a);
  const imageRef = ociPurl(a.reference, a.digest, a.platform.architecture);
  const timestamp = (a.created && !Number.isNaN(Date.parse(a.created)) ? new Date(a.created) : new Date(0))
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z');
  const [algorithm, hex] = a.digest.split(':');
  const imageSupplierEntity = cdxSupplier(imageSupplier(a));
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: `urn:uuid:${uuidFrom(a.digest)}`,
    version: 1,
    metadata: {
      timestamp,
      tools: { components: [{ type: 'application', name: tool.name, version: tool.version }] },
      component: {
        type: 'container',
        'bom-ref': imageRef,
        ...(imageSupplierEntity ? { supplier: imageSupplierEntity } : {}),
        name: a.reference,
        version: a.digest,
        ...(algorithm === 'sha256' && hex ? { hashes: [{ alg: 'SHA-256', content: hex }] } : {}),
        purl: imageRef,
      },
    },
    components: components.map((c) => {
      const supplier = cdxSupplier(c.supplier);
      return {
        type: c.kind === 'go-main' ? 'application' : 'library',
        'bom-ref': c.purl,
        ...(supplier ? { supplier } : {}),
        name: c.name,
        version: c.version,
        ...(c.spdxLicense
          ? { licenses: [{ expression: c.spdxLicense }] }
          : c.license
            ? { licenses: [{ license: { name: c.license } }] }
            : {}),
        cpe: c.cpe,
        purl: c.purl,
        properties: [
          { name: 'minnow:kind', value: c.kind },
          ...c.foundIn.map((f) => ({ name: 'minnow:foundIn', value: f })),
        ],
      };
    }),
    dependencies: [
      { ref: imageRef, dependsOn: components.map((c) => c.purl) },
      ...components.map((c) => ({ ref: c.purl, dependsOn: c.dependsOn })),
    ],
  };
}
