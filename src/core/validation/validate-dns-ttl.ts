import type { Issue } from './issue.js';
import { warning } from './issue.js';
import type { Plan, Task } from '../plan/plan.js';
import type { Schedule } from '../schedule/schedule.js';
import { computeSchedule } from '../schedule/schedule.js';
import { formatDuration } from '../plan/duration.js';
import { formatOffset } from '../plan/offset.js';

/** Assumed TTL of a record before lowering when the plan's `dns.lower-ttl` does not say (`oldTtl`). */
export const DEFAULT_OLD_TTL_S = 3600;

/**
 * Extra time on top of the old TTL: resolvers and clients are not exact, and the lowering itself must reach
 * every authoritative server first. 10 % of the old TTL, at least one minute.
 */
export const ttlMarginMs = (oldTtlS: number): number => Math.max(60_000, oldTtlS * 100);

interface RecordRef {
  readonly key: string;
  readonly label: string;
}

const text = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;

/** The record a DNS action's `with:` names, as a comparable key (absolute name, lower case, no dot + type). */
function recordOf(params: Readonly<Record<string, unknown>>): RecordRef | undefined {
  const rawName = text(params.name);
  if (rawName === undefined) return undefined;
  const zone = text(params.zone)?.toLowerCase().replace(/\.$/, '');
  let name = rawName.toLowerCase();
  if (name === '@' && zone !== undefined) name = zone;
  else if (name.endsWith('.')) name = name.slice(0, -1);
  else if (zone !== undefined && name !== zone && !name.endsWith(`.${zone}`)) name = `${name}.${zone}`;
  const type = text(params.type)?.toUpperCase() ?? 'A';
  return { key: `${name} ${type}`, label: `${name} ${type}` };
}

const calls = (plan: Plan, action: string): Task[] => plan.tasks.filter((t) => t.call?.action === action);

/**
 * Warns when a plan switches a DNS record (`dns.update`) without first lowering its TTL early enough:
 * a `dns.lower-ttl` task on the same record must be planned to finish at least `oldTtl` (its parameter, or
 * one hour) plus a margin before the `dns.update` task starts. Otherwise resolvers may keep serving the old
 * value for up to the old TTL after the switch, and after a rollback. Pure: works on the planned schedule.
 */
export function validateDnsTtl(plan: Plan, schedule: Schedule = computeSchedule(plan)): Issue[] {
  const issues: Issue[] = [];
  const at = new Map(schedule.tasks.map((t) => [t.id, t]));
  const lowerings = calls(plan, 'dns.lower-ttl').flatMap((t) => {
    const record = recordOf(t.call!.with);
    const oldTtl = t.call!.with.oldTtl;
    return record ? [{ task: t, record, oldTtlS: typeof oldTtl === 'number' ? oldTtl : undefined }] : [];
  });
  for (const update of calls(plan, 'dns.update')) {
    const record = recordOf(update.call!.with);
    const start = at.get(update.id)?.startMs;
    if (!record || start === undefined) continue;
    const candidates = lowerings.filter((l) => l.record.key === record.key);
    if (candidates.length === 0) {
      issues.push(
        warning(
          'dns-ttl-not-lowered',
          [...update.path, 'action'],
          `task '${update.id}' switches ${record.label} but no dns.lower-ttl task lowers its TTL first: resolvers may serve the old value for up to the old TTL after the switch (and after a rollback)`,
          `add a dns.lower-ttl task on ${record.label} planned at least the old TTL + margin (${formatDuration(DEFAULT_OLD_TTL_S * 1000 + ttlMarginMs(DEFAULT_OLD_TTL_S))} for a 1h TTL) before '${update.id}'`,
        ),
      );
      continue;
    }
    // The best case: the lowering that leaves the most room before the switch.
    const best = candidates
      .map((l) => {
        const oldTtlS = l.oldTtlS ?? DEFAULT_OLD_TTL_S;
        const finish = at.get(l.task.id)?.finishMs ?? Infinity;
        return {
          ...l,
          oldTtlS,
          finish,
          needMs: oldTtlS * 1000 + ttlMarginMs(oldTtlS),
          roomMs: start - finish,
        };
      })
      .sort((a, b) => b.roomMs - b.needMs - (a.roomMs - a.needMs))[0]!;
    if (best.roomMs < best.needMs) {
      const assumed = best.task.call!.with.oldTtl === undefined ? ' (assumed: set oldTtl)' : '';
      const room = best.roomMs < 0 ? 'after it starts' : `only ${formatDuration(best.roomMs)} before it`;
      issues.push({
        ...warning(
          'dns-ttl-lowered-late',
          [...update.path, 'action'],
          `'${best.task.id}' lowers the TTL of ${record.label} at ${formatOffset(best.finish)}, ${room} ('${update.id}' starts at ${formatOffset(start)}); the old TTL ${formatDuration(best.oldTtlS * 1000)}${assumed} plus a margin of ${formatDuration(ttlMarginMs(best.oldTtlS))} needs ${formatDuration(best.needMs)}`,
          `plan '${best.task.id}' by ${formatOffset(start - best.needMs)} at the latest`,
        ),
        related: best.task.path,
      });
    }
  }
  return issues;
}
