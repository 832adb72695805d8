import { MinnowError } from '../errors.js';
import { checkDescriptor, type Descriptor } from './descriptor.js';
import {
  arrayOf,
  isLiteral,
  isString,
  isStringMap,
  checkDocument,
  objectOf,
  optional,
} from './json-shape.js';
import { isImageManifest, isIndex, MediaType } from './media-types.js';

/** An image manifest (OCI, or Docker schema 2 which has the same shape). */
export interface Manifest {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
  subject?: Descriptor;
  artifactType?: string;
}

/** An image index (OCI, or Docker manifest list). */
export interface IndexManifest {
  schemaVersion: 2;
  mediaType: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
  subject?: Descriptor;
  artifactType?: string;
}

const checkManifest = objectOf({
  schemaVersion: isLiteral(2),
  mediaType: optional(isString),
  config: checkDescriptor,
  layers: arrayOf(checkDescriptor),
  annotations: optional(isStringMap),
  subject: optional(checkDescriptor),
  artifactType: optional(isString),
});

const checkIndex = objectOf({
  schemaVersion: isLiteral(2),
  mediaType: optional(isString),
  manifests: arrayOf(checkDescriptor),
  annotations: optional(isStringMap),
  subject: optional(checkDescriptor),
  artifactType: optional(isString),
});

function parseJson(raw: Buffer | string, what: string): unknown {
  try {
    return JSON.parse(raw.toString());
  } catch (err) {
    throw new MinnowError('INVALID_IMAGE', `${what} is not valid JSON`, { cause: err });
  }
}

/**
 * The media type a manifest document declares, falling back to its shape (a `manifests` array means an index)
 * for documents that leave `mediaType` out, as older OCI writers did.
 */
export function sniffManifestMediaType(raw: Buffer | string, declared?: string): string {
  const parsed = parseJson(raw, 'manifest');
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new MinnowError(
      'INVALID_IMAGE',
      `manifest is not a JSON object (${parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed})`,
    );
  }
  const doc = parsed as { mediaType?: unknown; manifests?: unknown; config?: unknown };
  if (typeof doc.mediaType === 'string' && doc.mediaType) return doc.mediaType;
  if (declared && (isIndex(declared) || isImageManifest(declared))) return declared;
  if (Array.isArray(doc.manifests)) return MediaType.OciIndex;
  if (doc.config) return MediaType.OciManifest;
  throw new MinnowError(
    'UNSUPPORTED_MEDIA_TYPE',
    'manifest has no mediaType and is neither an image nor an index',
  );
}

/** Parses and checks an image manifest. */
export function parseManifest(raw: Buffer | string): Manifest {
  const m = checkDocument<Omit<Manifest, 'mediaType'> & { mediaType?: string }>(
    parseJson(raw, 'manifest'),
    checkManifest,
    'image manifest',
  );
  const mediaType = m.mediaType ?? MediaType.OciManifest;
  if (!isImageManifest(mediaType)) {
    throw new MinnowError('UNSUPPORTED_MEDIA_TYPE', `unsupported manifest media type ${mediaType}`, {
      subject: mediaType,
    });
  }
  return { ...m, mediaType } as Manifest;
}

/** Parses and checks an image index or manifest list. */
export function parseIndexManifest(raw: Buffer | string): IndexManifest {
  const m = checkDocument<Omit<IndexManifest, 'mediaType'> & { mediaType?: string }>(
    parseJson(raw, 'index'),
    checkIndex,
    'image index',
  );
  const mediaType = m.mediaType ?? MediaType.OciIndex;
  if (!isIndex(mediaType)) {
    throw new MinnowError('UNSUPPORTED_MEDIA_TYPE', `unsupported index media type ${mediaType}`, {
      subject: mediaType,
    });
  }
  return { ...m, mediaType } as IndexManifest;
}

/** Serializes a manifest, index or config the one way minnow always does, so equal content gives equal digests. */
export function canonicalJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}
