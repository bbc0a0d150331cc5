import { describe, expect, it } from 'vitest';
import { buildDurationModels } from '../../src/core/schedule/duration-model.js';
import { loadPlan } from '../../src/core/plan/load-plan.js';
import type { NewRunEvent } from '../../src/core/run/run-event.js';
import { foldRun } from '../../src/core/run/run-state.js';
import { withSuccesses } from '../../src/core/run/tentative-state.js';
import { computeSchedule } from '../../src/core/schedule/schedule.js';
import { WatchClockSource } from '../../src/engine/watch-clock.js';
import { T0, harness } from '../support/engine-harness.js';
import { runStarted, stored } from '../support/run-events.js';
import { testAction } from '../engine/test-actions.js';

const M = 60_000;

// Planned: migrate 20m then verify 10m, done at T+30m in a window ending T+1h.
const planText = `version: 1
name: late
window: { start: T-1h, end: T+1h }
roles:
  lead: { members: [alice] }
phases:
  - id: switch
    at: T-0
    tasks:
      - { id: migrate, title: Migrate, action: t, with: { ms: 3600000 }, estimate: 20m }
      - { id: verify, title: Verify, owner: lead, after: [migrate], estimate: 10m }
rollback:
  auto: true
  criteria:
    - { id: late, title: Cannot finish inside the window, when: window-exceeded }
  steps:
    - { id: back, title: Back, owner: lead, budget: 5m }
`;

/** An earlier rehearsal of the same plan in which migrate took `minutes`. */
function earlier(n: number, minutes: number): { runId: string; events: NewRunEvent[] } {
  const start = T0 - 30 * 86_400_000 + n * 86_400_000;
  const events: NewRunEvent[] = [
    runStarted({ planName: 'late', planText, goLiveMs: start }),
    {
      atMs: start,
      actor: 'system',
      data: { type: 'executor.started', holder: 'h', realMs: start, speed: 1 },
    },
    { atMs: start, actor: 'system', data: { type: 'step.started', stepId: 'migrate', attempt: 1 } },
    {
      atMs: start + minutes * M,
      actor: 'system',
      data: { type: 'step.succeeded', stepId: 'migrate', attempt: 1, summary: 'done' },
    },
  ];
  return { runId: `earlier-${n}`, events };
}

const plan = () => {
  const { plan } = loadPlan(planText, { actions: { types: ['t'] } });
  if (!plan) throw new Error('plan does not load');
  return plan;
};

describe('window-exceeded judges the live forecast, not the static plan', () => {
  it('the forecast end learns from earlier runs: the plan says T+30m, three rehearsals say migrate takes 55m', () => {
    const p = plan();
    expect(computeSchedule(p).expectedEndMs).toBe(30 * M);
    const state = foldRun(stored([runStarted({ planName: 'late', planText, goLiveMs: T0 })]));
    const fromEstimates = new WatchClockSource(p).at(state, T0);
    expect(fromEstimates.forecastEndMs).toBeGreaterThan(30 * M); // estimates skew late, never early
    expect(fromEstimates.forecastEndMs).toBeLessThan(40 * M);
    const observed = [1, 2, 3].map((n) => ({
      taskId: 'migrate',
      runId: `e${n}`,
      mode: 'rehearsal' as const,
      durationMs: 55 * M,
    }));
    const learned = new WatchClockSource(p, buildDurationModels(p, observed)).at(state, T0);
    expect(learned.forecastEndMs).toBeGreaterThan(60 * M); // 55m + about 10m of verify
    expect(learned.forecastEndMs).toBeLessThan(70 * M);
    expect(learned.ponrAtMs).toBe(T0 + 55 * M);
  });

  it('the forecast follows the run: a task running past its estimate moves the end with the clock', () => {
    const p = plan();
    const source = new WatchClockSource(p);
    const running = foldRun(
      stored([
        runStarted({ planName: 'late', planText, goLiveMs: T0 }),
        { atMs: T0, actor: 'system', data: { type: 'step.started', stepId: 'migrate', attempt: 1 } },
      ]),
    );
    const at50 = source.at(running, T0 + 50 * M).forecastEndMs;
    expect(at50).toBeGreaterThanOrEqual(60 * M); // migrate still running at T+50m, verify (10m+) after it
    expect(source.at(running, T0 + 55 * M).forecastEndMs).toBeGreaterThanOrEqual(65 * M);
  });

  it('a forecast made for a look-ahead (results not yet appended) is not reused for the journal as written', () => {
    const p = plan();
    const source = new WatchClockSource(p);
    const started = stored([
      runStarted({ planName: 'late', planText, goLiveMs: T0 }),
      { atMs: T0, actor: 'system', data: { type: 'step.started', stepId: 'migrate', attempt: 1 } },
    ]);
    const at = T0 + 5 * M;
    // The executor's look-ahead: migrate's success applied to the live state before it is appended (no hash yet).
    const live = foldRun(started);
    const success = {
      runId: 'r',
      seq: live.lastSeq + 1,
      atMs: at,
      actor: 'system' as const,
      data: { type: 'step.succeeded' as const, stepId: 'migrate', attempt: 1, summary: 'done' },
      prevHash: '',
      hash: '',
    };
    const ahead = withSuccesses(live, [success], (after) => source.at(after, at).forecastEndMs);
    expect(ahead).toBeLessThan(20 * M); // migrate done at T+5m, verify about 10m after
    // Another process appended first: the same sequence number holds a pause, migrate is still running.
    const written = foldRun(
      stored([...started, { atMs: at, actor: 'alice', data: { type: 'run.paused', reason: 'look' } }]),
    );
    expect(written.lastSeq).toBe(success.seq);
    const fresh = new WatchClockSource(p).at(written, at).forecastEndMs;
    expect(fresh).toBeGreaterThanOrEqual(30 * M); // migrate's 20m estimate, then verify
    expect(source.at(written, at).forecastEndMs).toBe(fresh);
  });

  it('in a run, three slow rehearsals in the store make window-exceeded fire at T-0 and roll back (auto)', async () => {
    const h = await harness(planText, {
      actions: [testAction('t', true, [])],
      earlierRuns: [1, 2, 3].map((n) => earlier(n, 55)),
    });
    await h.driveUntil(() => h.state.firedCriteria.late !== undefined);
    const fired = h.state.firedCriteria.late!;
    expect(fired.atMs).toBe(T0);
    expect(fired.detail).toMatch(
      /^the forecast end T\+1h\d+m(\d+s)? is after the window's end T\+1h; a rollback started now \(5m\) still fits$/,
    );
    expect(h.state.rollback?.criterionId).toBe('late');
  });

  it('without that history the same run is on time at T-0 and fires only once migrate runs late', async () => {
    const h = await harness(planText, { actions: [testAction('t', true, [])] });
    await h.advance(M);
    expect(h.state.firedCriteria.late).toBeUndefined();
    await h.driveUntil(() => h.state.firedCriteria.late !== undefined);
    const firedAt = h.state.firedCriteria.late!.atMs - T0;
    // migrate (estimate 20m) is still running: the end passes T+1h once fewer than ~10m of verify remain.
    expect(firedAt).toBeGreaterThan(45 * M);
    expect(firedAt).toBeLessThanOrEqual(51 * M);
  });
});
