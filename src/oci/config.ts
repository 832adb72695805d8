import { z } from 'zod';
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

const configSchema = z.looseObject({
  created: z.string().optional(),
  author: z.string().optional(),
  architecture: z.string(),
  os: z.string(),
  variant: z.string().optional(),
  config: z.looseObject({}).nullable().optional(),
  rootfs: z.looseObject({ type: z.literal('layers'), diff_ids: z.array(z.string()) }),
  history: z.array(z.looseObject({})).optional(),
});

/** Parses and checks an image config blob. */
export function parseImageConfig(raw: Buffer | string): ImageConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(raw.toString());
  } catch (err) {
    throw new MinnowError('INVALID_IMAGE', 'image config is not valid JSON', { cause: err });
  }
  const result = configSchema.safeParse(doc);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new MinnowError(
      'INVALID_IMAGE',
      `invalid image config: ${issue ? `${issue.path.join('.')}: ${issue.message}` : ''}`,
    );
  }
  const cfg = result.data as ImageConfig;
  if (cfg.config === null) delete cfg.config;
  return cfg;
}
