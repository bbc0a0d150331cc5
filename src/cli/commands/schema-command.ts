import { planJsonSchema } from '../../core/plan/plan-json-schema.js';
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../cli-io.js';

/** `tminus schema`: prints the plan format's JSON Schema. */
export function schemaCommand(io: CliIo): number {
  io.stdout.write(JSON.stringify(planJsonSchema(), null, 2) + '\n');
  return EXIT.ok;
}
