import type { Plan } from '../core/plan/plan.js';
import { findStep } from '../core/run/run-commands.js';
import { membersOf, runControlRoles } from '../core/run/roles.js';
import type { RunState } from '../core/run/run-state.js';
import { eligibleVoters, unmetRequirements } from './scheduler.js';

/** One thing people owe the run: who (may be empty: anyone in a role) owes `what` on `step`. */
export interface Owed {
  readonly step: string;
  readonly who: string[];
  readonly what: string;
}

const SIGN_OFF = 'sign off (checklist)';

/** Who owes what: people a waiting or held step needs, and the voters a gate still waits for. */
export function owed(plan: Plan, state: RunState): Owed[] {
  const out: Owed[] = [];
  for (const [id, s] of Object.entries(state.steps)) {
    if (s.status !== 'waiting' && s.status !== 'held') continue;
    const found = findStep(plan, id);
    if (found?.kind === 'task' && found.task.kind === 'gate') {
      const voted = new Set((state.gates[id]?.votes ?? []).map((v) => v.by));
      const missing = eligibleVoters(plan, found.task).filter((p) => !voted.has(p));
      const unmet = unmetRequirements(plan, state, found.task.gate?.requires ?? []);
      out.push({
        step: id,
        who: missing,
        what: `vote${unmet.length ? ` (blocked by: ${unmet.join(', ')})` : ''}`,
      });
    } else if (found && found.kind !== 'check') {
      const who = found.owner ? [...membersOf(plan, found.owner)] : [];
      out.push({
        step: id,
        who,
        what:
          s.status === 'held' ? `decide (${s.hold ?? 'held'}): complete / fail / retry / skip` : 'complete',
      });
    }
  }
  for (const item of plan.checklist) {
    if (!item.check && !state.checks[item.id]?.ok) {
      out.push({ step: item.id, who: [...membersOf(plan, item.owner)], what: SIGN_OFF });
    }
  }
  return out;
}

const RESUME = 'resume the run';

/**
 * What holds a compressed rehearsal's clock at real time: a person owes a vote on an open gate, a manual
 * task or rollback step, a decision on a held step, a sign-off an open gate requires, or the run is paused
 * (a lead owes `resume`). A clock wait (`type: wait` until a time) and sign-offs no open gate needs yet
 * hold nothing: that time is compressed.
 */
export function clockHolds(plan: Plan, state: RunState): Owed[] {
  if (state.status === 'ended') return [];
  if (state.status === 'paused') {
    return [
      { step: 'run', who: runControlRoles(plan).flatMap((r) => [...membersOf(plan, r)]), what: RESUME },
    ];
  }
  const needed = new Set<string>();
  for (const [id, s] of Object.entries(state.steps)) {
    const found = s.status === 'waiting' ? findStep(plan, id) : undefined;
    if (found?.kind === 'task' && found.task.kind === 'gate') {
      for (const r of unmetRequirements(plan, state, found.task.gate?.requires ?? [])) needed.add(r);
    }
  }
  return owed(plan, state).filter((o) => {
    if (o.what === SIGN_OFF) return needed.has(o.step);
    const found = findStep(plan, o.step);
    if (found?.kind === 'task' && found.task.kind === 'wait' && state.steps[o.step]?.status === 'waiting') {
      return false;
    }
    // A gate everyone has voted on waits for its requirements, which are listed on their own.
    return !(found?.kind === 'task' && found.task.kind === 'gate' && o.who.length === 0);
  });
}

/** `alice, bob to vote on go-decision; carol to complete stop-jobs` (the first three things owed). */
export function describeHolds(holds: readonly Owed[]): string {
  const shown = holds.slice(0, 3).map((o) => {
    const who = o.who.length ? o.who.join(', ') : 'a run lead';
    const what =
      o.what === SIGN_OFF
        ? `sign off ${o.step}`
        : o.what === RESUME
          ? RESUME
          : o.what.startsWith('vote')
            ? `vote on ${o.step}`
            : o.what === 'complete'
              ? `complete ${o.step}`
              : `decide on held ${o.step}`;
    return `${who} to ${what}`;
  });
  return shown.join('; ') + (holds.length > 3 ? ` (and ${holds.length - 3} more)` : '');
}
