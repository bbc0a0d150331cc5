// Writes schema/plan-v1.schema.json from the compiled plan schema, so editors and the package ship the
// same definition that `tminus validate` uses. Run by `npm run build`.
import { writeFileSync, mkdirSync } from 'node:fs';
import { planJsonSchema } from '../dist/core/plan/plan-json-schema.js';

mkdirSync(new URL('../schema/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('../schema/plan-v1.schema.json', import.meta.url),
  JSON.stringify(planJsonSchema(), null, 2) + '\n',
);
