import { Ajv2020 } from 'ajv/dist/2020.js';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config/load-config.js';
import { CONFIG_SCHEMA_PATH, configJsonSchema, configJsonSchemaText } from '../../src/config/json-schema.js';

describe('docs/minnow.schema.json', () => {
  it('is exactly what the generator makes (run node scripts/gen-config-schema.mjs after npm run build)', async () => {
    expect(await readFile(CONFIG_SCHEMA_PATH, 'utf8')).toBe(configJsonSchemaText());
  });

  it('lets an editor accept a good config and flag a typo', () => {
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile(configJsonSchema());
    const good = parse(
      'defaults:\n  platforms: [linux/arm/v7]\nbuilds:\n  - main: ./cmd/a\n    ports: [8080]\n',
    );
    expect(validate(good)).toBe(true);
    expect(validate(parse('defaults:\n  platfroms: [linux/amd64]\n'))).toBe(false);
    expect(validate(parse('builds:\n  - base: static\n'))).toBe(false);
  });

  it('accepts the example in docs/config.md, through both the zod schema and the JSON Schema', async () => {
    const doc = await readFile('docs/config.md', 'utf8');
    const example = /## Example\n\n```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example).toContain('builds:');
    const config = parseConfig(example as string, 'docs/config.md');
    expect(config.builds?.map((b) => b.main)).toEqual(['./cmd/api', './cmd/worker']);
    const validate = new Ajv2020({ strict: false }).compile(configJsonSchema());
    expect(validate(parse(example as string))).toBe(true);
  });
});
