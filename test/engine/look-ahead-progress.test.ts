import { describe, expect, it } from 'vitest';
import { ACTION_TYPES } from '../../src/core/action-types.js';
import { foldWatch } from '../../src/core/go-live/watch-state.js';
import { loadPlan } from '../../src/core/plan/load-plan.js';
import type { Plan } from '../../src/core/plan/plan.js';
import type { RunEvent, RunEventData } from '../../src/core/run/run-event.js';
import { GENESIS_HASH } from '../../src/core/run/run-event.js';
import type { RunState } from '../../src/core/run/run-state.js';
import { applyEvent, foldRun, shallowCopyState, stepsReopened } from '../../src/core/run/run-state.js';
import { decide, inheritDoneProgress } from '../../src/engine/scheduler.js';
import { WatchClockSource } from '../../src/engine/watch-clock.js';

const ids = ['a', 'b', 'c', 'd', 'e'];
const text = `version: 1
name: chain
roles: { ops: { members: [bob] } }
phases:
  - id: p
    at: T-0
    tasks:
${ids.map((id, i) => `      - { id: ${id}, owner: ops, action: wait, with: { duration: 0s }${i > 0 ? `, after: [${ids[i - 1]}]` : ''} }`).join('\n')}
`;

function chainPlan(): Plan {
  const { plan, issues } = loadPlan(text, { actions: { types: [...ACTION_TYPES] } });
  if (!plan) throw new Error(issues.map((i) => i.message).join('\n'));
  return plan;
}

let seq = 0;
const e = (data: RunEventData, atMs = 1000): RunEvent => ({
  runId: 'r',
  seq: ++seq,
  atMs,
  actor: 'system',
  data,
  prevHash: GENESIS_HASH,
  hash: `h${seq}`,
});

/** a and b succeeded, c running. */
function journal(): RunEvent[] {
  seq = 0;
  return [
    e({
      type: 'run.started',
      planName: 'chain',
      planTitle: 'chain',
      planText: text,
      planPath: '.',
      mode: 'rehearsal',
      goLiveMs: 0,
      dryRun: false,
      autoApprove: false,
      comms: 'off',
      speed: 1,
      rollbackSteps: [],
    }),
    ...['a', 'b'].flatMap((id) => [
      e({ type: 'step.started', stepId: id, attempt: 1 }),
      e({ type: 'step.succeeded', stepId: id, attempt: 1, summary: 'ok' }),
    ]),
    e({ type: 'step.started', stepId: 'c', attempt: 1 }),
  ];
}

const succeeded = (stepId: string): RunEvent =>
  e({ type: 'step.succeeded', stepId, attempt: 1, summary: 'ok' }, 2000);

function decideOn(plan: Plan, state: RunState, events: readonly RunEvent[]) {
  const watch = foldWatch(plan, events);
  return decide(plan, state, 2000, {
    concurrency: undefined,
    watch: { state: watch, clock: new WatchClockSource(plan).at(state, 2000) },
  });
}

describe('a look-ahead on a view of the live state (a success applied, the step map shared)', () => {
  it("decides as on the journal with the success, and leaves the live state's decisions as they were", () => {
    const plan = chainPlan();
    const events = journal();
    const live = foldRun(events);
    const before = decideOn(plan, live, events); // the live state's progress: a and b seen done
    expect(before.starts).toEqual([]);

    const view = shallowCopyState(live);
    expect(stepsReopened(view)).toBe(stepsReopened(live));
    inheritDoneProgress(plan, live, view);
    const original = live.steps.c!;
    live.steps.c = { ...original };
    const success = succeeded('c');
    applyEvent(view, success);
    const ahead = decideOn(plan, view, [...events, success]);
    live.steps.c = original;

    const folded = foldRun([...events, succeeded('c')]);
    expect(ahead.starts).toEqual(decideOn(plan, folded, [...events, success]).starts);
    expect(ahead.starts).toEqual(['d']);
    // The view's pass saw c done; the live state, where c still runs, must not skip it.
    expect(live.steps.c?.status).toBe('running');
    expect(decideOn(plan, live, events)).toEqual(before);
    expect(live).toEqual(foldRun(journal()));
  });
});
