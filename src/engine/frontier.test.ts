import { describe, expect, it } from 'vitest';
import { ACTION_TYPES } from '../core/action-types.js';
import { foldWatch } from '../core/go-live/watch-state.js';
import { loadPlan } from '../core/plan/load-plan.js';
import type { Plan } from '../core/plan/plan.js';
import type { RunEvent, RunEventData } from '../core/run/run-event.js';
import type { RunState } from '../core/run/run-state.js';
import { applyEvent, foldRun } from '../core/run/run-state.js';
import { watchStepChanges } from '../core/run/step-changes.js';
import { withSuccesses } from '../core/run/tentative-state.js';
import type { Decisions } from './scheduler.js';
import { decide } from './scheduler.js';
import { WatchClockSource } from './watch-clock.js';
import { runStarted, stored } from '../../test/support/run-events.js';
import type { Rng } from '../../test/simulation/sim-plan.js';
import { generatePlan, int, pick, rng } from '../../test/simulation/sim-plan.js';

const GO_LIVE = Date.UTC(2026, 11, 4, 12);

const load = (r: Rng): Plan => {
  const types = [...ACTION_TYPES, 'sim.once', 'sim.idem'];
  const { plan, issues } = loadPlan(JSON.stringify(generatePlan(r)), { actions: { types } });
  if (!plan) throw new Error(issues.map((i) => i.message).join('\n'));
  return plan;
};

const passOn = (plan: Plan, state: RunState, nowMs: number): Decisions =>
  decide(plan, state, nowMs, {
    concurrency: plan.concurrency,
    watch: { state: foldWatch(plan, []), clock: new WatchClockSource(plan).at(state, nowMs) },
  });

/**
 * A pass on the live state (its frontier, remembered from pass to pass) and a pass over every task: a copy
 * made by `structuredClone` is not one `applyEvent` built, so the scheduler remembers nothing of it.
 */
function expectSame(plan: Plan, live: RunState, nowMs: number, where: string): Decisions {
  const walked = passOn(plan, structuredClone(live), nowMs);
  const d = passOn(plan, live, nowMs);
  expect(d, where).toEqual(walked);
  return d;
}

/** Any step event at all, on any step (blocked or not): what people's commands and workers can record. */
function anyStepEvent(r: Rng, plan: Plan, state: RunState, nowMs: number): RunEventData {
  const ids = [...plan.tasks.map((t) => t.id), ...plan.rollback.steps.map((s) => s.id)];
  const stepId = pick(r, ids);
  const attempt = (state.steps[stepId]?.attempt ?? 0) + 1;
  const kind = int(r, 0, 9);
  switch (kind) {
    case 0:
      return { type: 'step.succeeded', stepId, attempt, summary: 'ok' };
    case 1:
      return {
        type: 'step.failed',
        stepId,
        attempt,
        error: { code: 'ACTION_FAILED', message: 'no' },
        ...(r() < 0.5 ? { retryAtMs: nowMs + int(r, 0, 20) * 60_000 } : {}),
      };
    case 2:
      return { type: 'step.interrupted', stepId, attempt, rerun: r() < 0.5 };
    case 3:
      return { type: 'step.completed', stepId, reason: 'done by hand' };
    case 4:
      return { type: 'step.skipped', stepId, reason: 'not needed' };
    case 5:
      return { type: 'step.marked-failed', stepId, reason: 'wrong' };
    case 6:
      return { type: 'step.retried', stepId, reason: 'again' };
    case 7:
      return { type: 'step.waiting', stepId };
    case 8:
      return { type: 'step.started', stepId, attempt };
    default: {
      const gates = plan.tasks.filter((t) => t.kind === 'gate');
      if (gates.length === 0) return { type: 'step.completed', stepId };
      const gateId = pick(r, gates).id;
      return r() < 0.5
        ? { type: 'gate.voted', gateId, vote: r() < 0.8 ? 'go' : 'no-go' }
        : { type: 'gate.decided', gateId, outcome: r() < 0.9 ? 'go' : 'no-go', basis: 'votes' };
    }
  }
}

/** Something about the whole run: a pulled phase, a new T-0, a pause, a check, rarely a rollback. */
function anyRunEvent(r: Rng, plan: Plan, state: RunState): RunEventData {
  const x = r();
  if (x < 0.3 && plan.phases.length > 0) return { type: 'phase.pulled', phaseId: pick(r, plan.phases).id };
  if (x < 0.45) {
    const goLiveMs = state.goLiveMs - int(r, -2, 6) * 3_600_000;
    return { type: 'run.rebaselined', goLiveMs, previousGoLiveMs: state.goLiveMs };
  }
  if (x < 0.6) return state.status === 'paused' ? { type: 'run.unpaused' } : { type: 'run.paused' };
  if (x < 0.75) return { type: 'check.signed', itemId: 'c-manual' };
  if (x < 0.9) return { type: 'check.recorded', itemId: 'c-auto', ok: r() < 0.8, summary: 'checked' };
  return { type: 'rollback.started', reason: 'called' };
}

describe("the scheduler's frontier", () => {
  it('decides what a walk of every task decides, over random plans, events, tentative looks and lost changes', () => {
    let passes = 0;
    let looks = 0;
    let overflows = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      const plan = load(r);
      const first = stored([
        {
          ...runStarted({ goLiveMs: GO_LIVE, rollbackSteps: plan.rollback.steps.map((s) => s.id) }),
          atMs: GO_LIVE - 8 * 3_600_000,
        },
      ])[0]!;
      const live = foldRun([first]);
      const journal: RunEvent[] = [first];
      let now = first.atMs;
      const append = (data: RunEventData) => {
        const e: RunEvent = {
          runId: 'r',
          seq: live.lastSeq + 1,
          atMs: now,
          actor: 'system',
          data,
          prevHash: '',
          hash: `h${live.lastSeq + 1}`,
        };
        journal.push(e);
        applyEvent(live, e);
      };
      for (let turn = 0; turn < 80 && live.status !== 'ended'; turn++) {
        now += int(r, 0, 3) === 0 ? int(r, 1, 120) * 60_000 : 0;
        const where = `seed ${seed}, turn ${turn}`;
        const changes = watchStepChanges(live);
        if (changes.overflowed) overflows++;
        const d = expectSame(plan, live, now, where);
        passes++;
        // One seed in three lists only a few changes between passes: the frontier is read again when more come.
        if (seed % 3 === 0) changes.limit = 1 + (seed % 4);
        const x = r();
        if (x < 0.45) {
          // As the executor does: what was decided, then the starts.
          for (const e of d.events) append(e.data);
          for (const id of d.starts) {
            if (live.status !== 'running') break;
            append({ type: 'step.started', stepId: id, attempt: (live.steps[id]?.attempt ?? 0) + 1 });
          }
        } else if (x < 0.65) {
          // Running steps end; first a look at the state their successes leave (sometimes kept, sometimes not).
          const running = Object.keys(live.steps).filter((id) => live.steps[id]!.status === 'running');
          const ending = running.filter(() => r() < 0.6);
          if (ending.length === 0) continue;
          const successes = ending.map((stepId, i): RunEvent => ({
            runId: 'r',
            seq: live.lastSeq + 1 + i,
            atMs: now,
            actor: 'system',
            data: { type: 'step.succeeded', stepId, attempt: live.steps[stepId]!.attempt, summary: 'ok' },
            prevHash: '',
            hash: `t${live.lastSeq + 1 + i}`,
          }));
          withSuccesses(live, successes, (after) => {
            expectSame(plan, after, now, `${where}, a look`);
            // A second pass on the same look: the frontier it just changed serves again.
            expectSame(plan, after, now, `${where}, a look again`);
          });
          looks++;
          expectSame(plan, live, now, `${where}, the look put back`);
          if (r() < 0.7) for (const s of successes) append(s.data);
        } else if (x < 0.92) {
          append(anyStepEvent(r, plan, live, now));
        } else {
          append(anyRunEvent(r, plan, live));
        }
      }
      // The live state is the fold of its journal, and a fresh fold (a new frontier) decides the same.
      expect(passOn(plan, foldRun(journal), now)).toEqual(passOn(plan, live, now));
    }
    expect(passes).toBeGreaterThan(5_000);
    expect(looks).toBeGreaterThan(500);
    expect(overflows).toBeGreaterThan(200);
  });
});
