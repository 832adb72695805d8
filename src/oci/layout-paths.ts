import { join } from 'node:path';
import { digestAlgorithm, digestHex, type Digest } from './digest.js';

/** Annotation an OCI layout's index.json uses to tag a manifest. */
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

/** The `oci-layout` marker file's content. */
export const OCI_LAYOUT_FILE = { imageLayoutVersion: '1.0.0' };

/** Where a blob lives in an OCI image layout. */
export function layoutBlobPath(dir: string, digest: Digest): string {
  return join(dir, 'blobs', digestAlgorithm(digest), digestHex(digest));
}
