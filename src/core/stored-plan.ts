import type { Plan } from './plan.js';
import { buildPlan } from './plan.js';
import type { RawPlan } from './plan-schema.js';
import { TminusError } from './tminus-error.js';

const isMapping = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** A plan as a run stores it: its text, and the text parsed when the run's journal has it. */
export interface StoredPlanSource {
  readonly text: string;
  /** `run.started`'s `planDocument`: JSON, so no YAML parser is needed. */
  readonly document?: unknown;
}

/** Whether a value comes back from JSON exactly as it is (no `.inf`, `-0`, dates or other objects). */
const survivesJson = (v: unknown): boolean =>
  v === null ||
  typeof v === 'string' ||
  typeof v === 'boolean' ||
  (typeof v === 'number' && Number.isFinite(v) && !Object.is(v, -0)) ||
  (Array.isArray(v) && v.every(survivesJson)) ||
  (isMapping(v) &&
    [Object.prototype, null].includes(Object.getPrototypeOf(v) as object | null) &&
    Object.values(v).every(survivesJson));

/**
 * The parsed plan document to store beside its text, or undefined when it would not come back from JSON
 * exactly as it is (a YAML-only value such as `.inf`): the run then keeps only the text.
 */
export function storableDocument(document: unknown): unknown {
  return survivesJson(document) ? document : undefined;
}

/**
 * The plan a stored run executes, from its `run.started` event. That plan was checked in full (`loadPlan`:
 * schema, references, timing) before the run was created, and the journal's hash chain keeps it as it was,
 * so it is not checked again here: building the model from the stored document is enough, and opening a
 * run loads neither the plan schema (zod) nor the action catalog, nor (for a journal that has the document)
 * the YAML parser. A plan that does not parse or does not have the shape of a plan is a damaged store,
 * refused as `STORE_CORRUPT`, never a crash.
 *
 * @example
 * const plan = await storedPlan({ text: started.planText, document: started.planDocument }, `run ${runId}`);
 */
export async function storedPlan(source: StoredPlanSource, what: string): Promise<Plan> {
  const corrupt = (why: string) =>
    new TminusError('STORE_CORRUPT', `the plan stored with ${what} no longer loads: ${why}`, {
      hint: 'the store was changed outside tminus; `tminus audit` checks its journal',
    });
  let value = source.document;
  if (value === undefined) {
    const yaml = await import('yaml');
    // The CLI's bundle compiles yaml (CommonJS) in: there a dynamic import has only the `default` export.
    const parse = (yaml.parse as typeof yaml.parse | undefined) ?? yaml.default.parse;
    try {
      value = parse(source.text, { maxAliasCount: 100, uniqueKeys: true });
    } catch (cause) {
      throw corrupt(cause instanceof Error ? (cause.message.split('\n')[0] ?? cause.message) : String(cause));
    }
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
