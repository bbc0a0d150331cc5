import { z } from 'zod';
import { planSchema } from './plan-schema.js';

/** The schema's identifier; editors find the file through the `# yaml-language-server: $schema=` line. */
export const PLAN_SCHEMA_ID = 'urn:tminus:schema:plan:v1';

/**
 * The JSON Schema (draft 2020-12) of plan format v1, generated from the same definition validation uses.
 */
export function planJsonSchema(): Record<string, unknown> {
  return { ...z.toJSONSchema(planSchema, { io: 'input', unrepresentable: 'any' }), $id: PLAN_SCHEMA_ID };
}
