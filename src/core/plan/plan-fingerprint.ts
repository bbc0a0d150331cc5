import { canonicalJson } from '../canonical-json.js';

/**
 * What a plan means for rehearsal gating, part by part: each task, checklist item, monitor, rollback step and
 * criterion on its own, every other top-level section whole. `goLive`, `$schema` and the top-level description
 * are left out (moving T-0 or rewording the summary does not call for a new rehearsal), and so are comments and
 * layout, since only the parsed document counts.
 */
export interface PlanFingerprint {
  /** Canonical JSON of the whole plan as compared: hash this to record it. */
  readonly canonical: string;
  /** Part name (`task backup`, `rollback step restore`, `connections`) → canonical JSON. */
  readonly parts: ReadonlyMap<string, string>;
}

const IGNORED = new Set(['goLive', '$schema', 'description']);

type Doc = Record<string, unknown>;
const isDoc = (v: unknown): v is Doc => v !== null && typeof v === 'object' && !Array.isArray(v);
const listOf = (v: unknown): Doc[] => (Array.isArray(v) ? v.filter(isDoc) : []);
const idOf = (d: Doc, i: number): string => (typeof d.id === 'string' ? d.id : `#${i + 1}`);

/** The fingerprint of a parsed plan document (the value `parsePlanSource` gives). */
export function planFingerprint(document: unknown): PlanFingerprint {
  const doc = isDoc(document) ? document : {};
  const parts = new Map<string, string>();
  const add = (name: string, value: unknown) => parts.set(name, canonicalJson(value ?? null));
  for (const [key, value] of Object.entries(doc)) {
    if (IGNORED.has(key)) continue;
    if (key === 'phases') {
      listOf(value).forEach((phase, i) => {
        const { tasks, ...rest } = phase;
        add(`phase ${idOf(phase, i)}`, { ...rest, tasks: listOf(tasks).map(idOf) });
        listOf(tasks).forEach((t, j) => add(`task ${idOf(t, j)}`, t));
      });
    } else if (key === 'checklist' && isDoc(value)) {
      for (const [category, items] of Object.entries(value)) {
        listOf(items).forEach((item, i) => add(`checklist item ${idOf(item, i)}`, { category, ...item }));
      }
    } else if (key === 'monitors') {
      listOf(value).forEach((m, i) => add(`monitor ${idOf(m, i)}`, m));
    } else if (key === 'rollback' && isDoc(value)) {
      const { steps, criteria, ...rest } = value;
      add('rollback', { ...rest, steps: listOf(steps).map(idOf), criteria: listOf(criteria).map(idOf) });
      listOf(steps).forEach((s, i) => add(`rollback step ${idOf(s, i)}`, s));
      listOf(criteria).forEach((c, i) => add(`rollback criterion ${idOf(c, i)}`, c));
    } else {
      add(key, value);
    }
  }
  const sorted = [...parts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { canonical: canonicalJson(Object.fromEntries(sorted)), parts: new Map(sorted) };
}

/** What changed between two fingerprints, part by part. */
export interface PlanChanges {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly edited: readonly string[];
}

export function planChanges(before: PlanFingerprint, after: PlanFingerprint): PlanChanges {
  const added: string[] = [];
  const edited: string[] = [];
  for (const [name, value] of after.parts) {
    const old = before.parts.get(name);
    if (old === undefined) added.push(name);
    else if (old !== value) edited.push(name);
  }
  const removed = [...before.parts.keys()].filter((name) => !after.parts.has(name));
  return { added, removed, edited };
}

/** One line for messages: `added task x; edited task y, rollback step z; removed monitor m`. */
export function describePlanChanges(c: PlanChanges): string {
  return (
    [
      c.added.length > 0 ? `added ${c.added.join(', ')}` : '',
      c.edited.length > 0 ? `edited ${c.edited.join(', ')}` : '',
      c.removed.length > 0 ? `removed ${c.removed.join(', ')}` : '',
    ]
      .filter((s) => s !== '')
      .join('; ') || 'nothing'
  );
}
