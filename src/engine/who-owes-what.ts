import type { Plan } from '../core/plan.js';
import { findStep } from '../core/run-commands.js';
import { membersOf } from '../core/roles.js';
import type { RunState } from '../core/run-state.js';
import { eligibleVoters, unmetRequirements } from './scheduler.js';

/** Who owes what: people a waiting or held step needs, and the voters a gate still waits for. */
export function owed(plan: Plan, state: RunState): { step: string; who: string[]; what: string }[] {
  const out: { step: string; who: string[]; what: string }[] = [];
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
      out.push({ step: item.id, who: [...membersOf(plan, item.owner)], what: 'sign off (checklist)' });
    }
  }
  return out;
}
