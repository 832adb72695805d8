import { z } from 'zod';
import { MinnowError } from '../errors.js';
import { descriptorSchema, type Descriptor } from './descriptor.js';
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

const manifestSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  annotations: z.record(z.string(), z.string()).optional(),
  subject: descriptorSchema.optional(),
  artifactType: z.string().optional(),
});

const indexSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(descriptorSchema),
  annotations: z.record(z.string(), z.string()).optional(),
  subject: descriptorSchema.optional(),
  artifactType: z.string().optional(),
});

function parseJson(raw: Buffer | string, what: string): unknown {
  try {
    return JSON.parse(raw.toString());
  } catch (err) {
    throw new MinnowError('INVALID_IMAGE', `${what} is not valid JSON`, { cause: err });
  }
}

function zodMessage(err: z.ZodError): string {
  const issue = err.issues[0];
  if (!issue) return 'invalid';
  return `${issue.path.join('.') || '(root)'}: ${issue.message}`;
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
  const result = manifestSchema.safeParse(parseJson(raw, 'manifest'));
  if (!result.success)
    throw new MinnowError('INVALID_IMAGE', `invalid image manifest: ${zodMessage(result.error)}`);
  const m = result.data;
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
  const result = indexSchema.safeParse(parseJson(raw, 'index'));
  if (!result.success)
    throw new MinnowError('INVALID_IMAGE', `invalid image index: ${zodMessage(result.error)}`);
  const m = result.data;
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
