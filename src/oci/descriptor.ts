import type { Digest } from './digest.js';
import { isDigest } from './digest.js';
import type { Platform } from './platform.js';
import { arrayOf, isSize, isString, isStringMap, matches, objectOf, optional } from './json-shape.js';

/** A content descriptor: what a manifest or index says about one blob. */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
  artifactType?: string;
  /** The blob's bytes inline, base64 (the OCI empty descriptor carries `e30=`). */
  data?: string;
}

/** The shape of a platform object (image-spec image-index.md). */
export const checkPlatform = objectOf({
  os: isString,
  architecture: isString,
  variant: optional(isString),
  'os.version': optional(isString),
  'os.features': optional(arrayOf(isString)),
});

/** The shape of a descriptor (image-spec descriptor.md): a digest that parses, a size ≥ 0. */
export const checkDescriptor = objectOf({
  mediaType: isString,
  digest: matches(isDigest, 'not a valid digest'),
  size: isSize,
  urls: optional(arrayOf(isString)),
  annotations: optional(isStringMap),
  platform: optional(checkPlatform),
  artifactType: optional(isString),
  data: optional(isString),
});
