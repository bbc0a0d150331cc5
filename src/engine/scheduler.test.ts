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
const options = (p: Plan, state: RunState) => ({
  concurrency: undefined,
  watch: { state: foldWatch(p, []), clock: new WatchClockSource(p).at(state, NOW) },
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

  it('does not carry what it saw done in a look that is then put back', () => {
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
    const look = withSuccesses(live, [a], (after) => decide(p, after, NOW, options(p, after)).starts);
    expect(look).toEqual(['x', 'z']);
    // Put back: `a` is running again, so p1 is not done and p2 stays closed.
    expect(decide(p, live, NOW, options(p, live))).toMatchObject({ starts: [], events: [] });
  });

  /** A live run state and the journal it was folded from, with an `append` that adds to both. */
  const liveJournal = () => {
    const live = started();
    const journal: RunEvent[] = [firstEvent()];
    const append = (data: RunEventData) => {
      const ev = e(data);
      journal.push(ev);
      applyEvent(live, ev);
    };
    return { live, journal, append };
  };

  it('after a look whose successes are then appended, decides what a fresh fold decides', () => {
    const p = plan();
    const { live, journal, append } = liveJournal();
    for (const id of ['a', 'c']) append({ type: 'step.started', stepId: id, attempt: 1 });
    expect(decide(p, live, NOW, options(p, live)).starts).toEqual([]);
    // As the executor records results: decided on the state the successes leave, then appended.
    const successes = ['a', 'c'].map((id) =>
      e({ type: 'step.succeeded', stepId: id, attempt: 1, summary: 'ok' }),
    );
    seq -= successes.length;
    const look = withSuccesses(live, successes, (after) => decide(p, after, NOW, options(p, after)))!;
    expect(look.starts).toEqual(['x', 'z']);
    for (const s of successes) append(s.data);
    for (const id of look.starts) append({ type: 'step.started', stepId: id, attempt: 1 });
    expect(decide(p, live, NOW, options(p, live))).toEqual(
      decide(p, foldRun(journal), NOW, options(p, live)),
    );
    append({ type: 'step.succeeded', stepId: 'x', attempt: 1, summary: 'ok' });
    expect(decide(p, live, NOW, options(p, live)).starts).toEqual(['y']);
    expect(decide(p, live, NOW, options(p, live))).toEqual(
      decide(p, foldRun(journal), NOW, options(p, live)),
    );
  });

  it('sees a done step reopened after a look', () => {
    const p = plan();
    const { live, journal, append } = liveJournal();
    append({ type: 'step.started', stepId: 'a', attempt: 1 });
    append({ type: 'step.started', stepId: 'c', attempt: 1 });
    append({ type: 'step.succeeded', stepId: 'c', attempt: 1, summary: 'ok' });
    const success = e({ type: 'step.succeeded', stepId: 'a', attempt: 1, summary: 'ok' });
    seq -= 1;
    withSuccesses(live, [success], (after) => decide(p, after, NOW, options(p, after)));
    append(success.data);
    // A person marks `c` failed: p1 is not done any more.
    append({ type: 'step.marked-failed', stepId: 'c', reason: 'wrong' });
    expect(decide(p, live, NOW, options(p, live))).toEqual(
      decide(p, foldRun(journal), NOW, options(p, live)),
    );
    expect(decide(p, live, NOW, options(p, live)).starts).toEqual([]);
  });

  it("releases a blocked task's dependents when a person completes it, and holds them again on a retry", () => {
    const p = plan();
    const { live, journal, append } = liveJournal();
    for (const id of ['a', 'c']) {
      append({ type: 'step.started', stepId: id, attempt: 1 });
      append({ type: 'step.succeeded', stepId: id, attempt: 1, summary: 'ok' });
    }
    append({ type: 'step.started', stepId: 'z', attempt: 1 });
    // `x` is started but `y` waits on it: a pass never looks at `y`.
    append({ type: 'step.started', stepId: 'x', attempt: 1 });
    expect(decide(p, live, NOW, options(p, live)).starts).toEqual([]);
    // A person completes `y` although it is blocked (never walked), then `x` ends held.
    append({ type: 'step.skipped', stepId: 'y', reason: 'not needed' });
    append({ type: 'step.failed', stepId: 'x', attempt: 1, error: { code: 'X', message: 'no' } });
    append({ type: 'step.completed', stepId: 'x' });
    append({ type: 'step.succeeded', stepId: 'z', attempt: 1, summary: 'ok' });
    expect(decide(p, live, NOW, options(p, live)).events.map((x) => x.data.type)).toEqual(['run.ended']);
    // Not appended: `y` is retried instead, and must start.
    append({ type: 'step.retried', stepId: 'y', reason: 'again' });
    expect(decide(p, live, NOW, options(p, live)).starts).toEqual(['y']);
    expect(decide(p, live, NOW, options(p, live))).toEqual(
      decide(p, foldRun(journal), NOW, options(p, live)),
    );
  });
});
