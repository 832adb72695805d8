import { arrayOf, checkDocument, isLiteral, isString, objectOf, optional } from './json-shape.js';
import { MinnowError } from '../errors.js';

/** The runtime part of an image config (what `docker run` uses). */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  [key: string]: unknown;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** An image config blob (OCI image-spec config.md; Docker's is a superset). */
export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  config?: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryEntry[];
  [key: string]: unknown;
}

const checkConfig = objectOf({
  created: optional(isString),
  author: optional(isString),
  architecture: isString,
  os: isString,
  variant: optional(isString),
  config: { check: objectOf({}), optional: true, nullable: true },
  rootfs: objectOf({ type: isLiteral('layers'), diff_ids: arrayOf(isString) }),
  history: optional(arrayOf(objectOf({}))),
});

/** Parses and checks an image config blob. */
export function parseImageConfig(raw: Buffer | string): ImageConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(raw.toString());
  } catch (err) {
    throw new MinnowError('INVALID_IMAGE', 'image config is not valid JSON', { cause: err });
  }
  const cfg = checkDocument<ImageConfig>(doc, checkConfig, 'image config');
  if (cfg.config === null) delete cfg.config;
  return cfg;
}
