import { parse } from 'yaml';
import type { Plan } from './plan.js';
import { buildPlan } from './plan.js';
import type { RawPlan } from './plan-schema.js';
import { TminusError } from './tminus-error.js';

const isMapping = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The plan a stored run executes, from the text kept in its `run.started` event. That text was checked in
 * full (`loadPlan`: schema, references, timing) before the run was created, and the journal's hash chain
 * keeps it as it was, so it is not checked again here: parsing it and building the model is enough, and
 * opening a run does not load the plan schema (zod) or the action catalog. A text that does not parse or
 * does not have the shape of a plan is a damaged store, refused as `STORE_CORRUPT`, never a crash.
 *
 * @example
 * const plan = storedPlan(state.planText, `run ${state.runId}`);
 */
export function storedPlan(text: string, what: string): Plan {
  const corrupt = (why: string) =>
    new TminusError('STORE_CORRUPT', `the plan stored with ${what} no longer loads: ${why}`, {
      hint: 'the store was changed outside tminus; `tminus audit` checks its journal',
    });
  let value: unknown;
  try {
    value = parse(text, { maxAliasCount: 100, uniqueKeys: true });
  } catch (cause) {
    throw corrupt(cause instanceof Error ? (cause.message.split('\n')[0] ?? cause.message) : String(cause));
  }
  if (!isMapping(value)) throw corrupt('it is not a mapping of keys');
  if (value.version !== 1) throw corrupt(`version is ${JSON.stringify(value.version) ?? 'missing'}, not 1`);
  if (!Array.isArray(value.phases) || !value.phases.every((p) => isMapping(p) && Array.isArray(p.tasks))) {
    throw corrupt('its phases are not a list of phases with tasks');
  }
  try {
    return buildPlan(value as RawPlan);
  } catch (cause) {
    throw corrupt(cause instanceof Error ? cause.message : String(cause));
  }
}
