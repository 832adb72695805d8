import { z } from 'zod';
import { configSchema } from './schema.js';

/** Where the generated schema is published in the repository, for `# yaml-language-server: $schema=` lines. */
export const CONFIG_SCHEMA_PATH = 'docs/minnow.schema.json';

/** The JSON Schema (draft 2020-12) of minnow.yaml, generated from the zod schema that validates it. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { target: 'draft-2020-12', io: 'input' }) as Record<
    string,
    unknown
  >;
  return { ...schema, title: 'minnow.yaml' };
}

/** The exact text of docs/minnow.schema.json: two-space JSON and a final newline. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
