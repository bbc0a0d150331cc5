import { describe, expect, it } from 'vitest';
import { ACTION_TYPES } from '../core/action-types.js';
import { foldWatch } from '../core/go-live/watch-state.js';
import { loadPlan } from '../core/plan/load-plan.js';
import type { Plan } from '../core/plan/plan.js';
import type { RunEvent, RunEventData } from '../core/run/run-event.js';
import { applyEvent, foldRun } from '../core/run/run-state.js';
import type { RunState } from '../core/run/run-state.js';
import { withSuccesses } from '../core/run/tentative-state.js';
import { decide } from './scheduler.js';
import { WatchClockSource } from './watch-clock.js';
import { runStarted, stored } from '../../test/support/run-events.js';

const plan = (): Plan => {
  const text = `version: 1
name: two
roles: { ops: { members: [bob] } }
phases:
  - id: p1
    at: T-0
    tasks:
      - { id: a, owner: ops, action: noop }
      - { id: c, owner: ops, action: noop }
  - id: p2
    at: T-0
    tasks:
      - { id: x, owner: ops, action: noop }
      - { id: y, owner: ops, action: noop, after: [x] }
      - { id: z, owner: ops, action: noop }
`;
  const { plan: p, issues } = loadPlan(text, { actions: { types: [...ACTION_TYPES, 'noop'] } });
  if (!p) throw new Error(issues.map((i) => i.message).join('\n'));
  return p;
};

let seq = 0;
const e = (data: RunEventData): RunEvent => ({
  runId: 'r',
  seq: ++seq,
  atMs: 1000 + seq,
  actor: 'system',
  data,
  prevHash: '',
  hash: `h${seq}`,
});

/** The run's first event, as the store would return it (the plan's go-live at 0: its phases are open). */
const firstEvent = (): RunEvent => stored([{ ...runStarted({ goLiveMs: 0 }), atMs: 1001 }])[0]!;

const started = (): RunState => {
  seq = 1;
  return foldRun([firstEvent()]);
};

const NOW = 10_000;
const options = (p: Plan, state: RunState, tentative = false) => ({
  concurrency: undefined,
  watch: { state: foldWatch(p, []), clock: new WatchClockSource(p).at(state, NOW) },
  ...(tentative ? { tentative } : {}),
});

describe('the scheduler on a live state it has seen before', () => {
  it('decides what a fresh fold of the same journal decides, pass after pass', () => {
    const p = plan();
    const live = started();
    const journal: RunEvent[] = [firstEvent()];
    for (let turn = 0; turn < 10 && live.status === 'running'; turn++) {
      const d = decide(p, live, NOW, options(p, live));
      const fresh = foldRun(journal);
      expect(d).toEqual(decide(p, fresh, NOW, options(p, fresh)));
      // One step at a time ends: the others stay running across passes.
      const next: RunEventData[] = [
        ...d.events.map((x) => x.data),
        ...d.starts.map((id) => ({ type: 'step.started' as const, stepId: id, attempt: 1 })),
        ...d.starts
          .slice(0, 1)
          .map((id) => ({ type: 'step.succeeded' as const, stepId: id, attempt: 1, summary: 'ok' })),
      ];
      const running = Object.keys(live.steps).filter((id) => live.steps[id]!.status === 'running');
      if (next.length === 0 && running[0]) {
        next.push({ type: 'step.succeeded', stepId: running[0], attempt: 1, summary: 'ok' });
      }
      for (const data of next) {
        const ev = e(data);
        journal.push(ev);
        applyEvent(live, ev);
      }
    }
    expect(live.status).toBe('ended');
  });

  it('does not remember what it saw done in a tentative look that is then put back', () => {
    const p = plan();
    const live = started();
    for (const data of [
      { type: 'step.started', stepId: 'a', attempt: 1 },
      { type: 'step.started', stepId: 'c', attempt: 1 },
      { type: 'step.succeeded', stepId: 'c', attempt: 1, summary: 'ok' },
    ] as const) {
      applyEvent(live, e(data));
    }
    expect(decide(p, live, NOW, options(p, live)).starts).toEqual([]);
    // As if `a` succeeded: p1 is done and p2 opens.
    const a = e({ type: 'step.succeeded', stepId: 'a', attempt: 1, summary: 'ok' });
    const look = withSuccesses(live, [a], (after) => decide(p, after, NOW, options(p, after, true)).starts);
    expect(look).toEqual(['x', 'z']);
    // Put back: `a` is running again, so p1 is not done and p2 stays closed.
    expect(decide(p, live, NOW, options(p, live))).toMatchObject({ starts: [], events: [] });
  });
});
