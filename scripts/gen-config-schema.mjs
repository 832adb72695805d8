// Regenerates docs/minnow.schema.json from the zod schema in src/config/schema.ts.
// Run after `npm run build`: node scripts/gen-config-schema.mjs
// test/config/json-schema.test.ts fails when the committed file and the generator disagree.
import { writeFile, rename } from 'node:fs/promises';
import { configJsonSchemaText, CONFIG_SCHEMA_PATH } from '../dist/config/json-schema.js';

const tmp = `${CONFIG_SCHEMA_PATH}.tmp`;
await writeFile(tmp, configJsonSchemaText());
await rename(tmp, CONFIG_SCHEMA_PATH);
console.log(`wrote ${CONFIG_SCHEMA_PATH}`);
