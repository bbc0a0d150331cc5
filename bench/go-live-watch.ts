// Time from a breach (the first failing measurement) to the decision and to the end of the rollback, in a
// scripted run in auto mode on the wall clock: a monitor measuring every second, failureLimit 1 (so the
// limit is passed on the second failure, one interval after the breach), three automated rollback steps.
// The bound each figure is compared with is printed beside it: the interval for the decision, the sum of
// the rollback budgets (and 60 s) for the rollback. Run: npx tsx bench/go-live-watch.ts
import { z } from 'zod';
import type { RunEvent } from '../src/core/run/run-event.js';
import type { ActionDefinition } from '../src/engine/action.js';
import { Redactor } from '../src/engine/redactor.js';
import { RunExecutor } from '../src/engine/run-executor.js';
import { SystemClock } from '../src/engine/system-clock.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { ms, percentile, registry, tempStore } from './engine-support.js';

const RUNS = Number(process.env.RUNS ?? 5);
const INTERVAL_MS = 1000;
const state = { value: 0.001 };
const probe: ActionDefinition<Record<string, unknown>> = {
  type: 'probe',
  description: 'an error rate the bench sets',
  params: z.record(z.string(), z.unknown()),
  idempotent: true,
  execute: () => Promise.resolve({ summary: `error rate ${state.value}`, value: state.value }),
};
const text = `version: 1
name: watch-bench
window: { start: T-1h, end: T+4h }
roles: { lead: { members: [alice] } }
phases:
  - { id: p, at: T-0, tasks: [{ id: work, owner: lead }] }
monitors:
  - { id: errors, action: probe, interval: 1s, failWhen: 'result > 0.02', failureLimit: 1 }
rollback:
  auto: true
  criteria: [{ id: error-rate, title: Error rate, monitor: errors }]
  steps:
    - { id: declare, title: Declare, action: noop, budget: 5m }
    - { id: redirect, title: Redirect, action: noop, budget: 10m }
    - { id: verify, title: Verify, action: noop, budget: 15m }
`;
const actions = registry().register(probe);
const realPlan = (await import('../src/core/plan/load-plan.js')).loadPlan(text, {
  actions: { types: ['noop', 'probe', ...(await import('../src/core/action-types.js')).ACTION_TYPES] },
}).plan!;

const toDecision: number[] = [];
const toDecisionAfterLimit: number[] = [];
const toRolledBack: number[] = [];
for (let i = 0; i < RUNS; i++) {
  state.value = 0.001;
  const store = SqliteStore.open(tempStore(`watch-${i}`));
  const clock = new SystemClock();
  const now = clock.now();
  const nop = () => undefined;
  const executor = await RunExecutor.create(
    {
      store,
      runId: 'r',
      plan: realPlan,
      actions,
      clock,
      redactor: new Redactor(),
      secrets: { env: {}, baseDir: '/' },
      logger: { debug: nop, info: nop, warn: nop, error: nop },
      pollMs: 60_000,
    },
    {
      type: 'run.started',
      planName: realPlan.name,
      planTitle: realPlan.title,
      planText: text,
      planPath: '/bench.yaml',
      mode: 'rehearsal',
      goLiveMs: now,
      dryRun: false,
      autoApprove: false,
      comms: 'off',
      speed: 1,
      rollbackSteps: realPlan.rollback.steps.map((s) => s.id),
    },
    now,
  );
  const done = executor.run();
  setTimeout(() => (state.value = 0.5), 2.5 * INTERVAL_MS); // the breach: between two measurements
  await done;
  const events: RunEvent[] = [...(await store.readEvents('r'))];
  await store.close();
  const failures = events.filter((e) => e.data.type === 'monitor.measured' && e.data.outcome === 'failed');
  const breach = failures[0]!.atMs;
  const limit = failures[1]!.atMs;
  const decision = events.find((e) => e.data.type === 'decision.made')!.atMs;
  const ended = events.find((e) => e.data.type === 'run.ended')!;
  if (ended.data.type !== 'run.ended' || ended.data.outcome !== 'rolled-back') {
    throw new Error('not rolled back');
  }
  toDecision.push(decision - breach);
  toDecisionAfterLimit.push(decision - limit);
  toRolledBack.push(ended.atMs - breach);
}
const budgets = realPlan.rollback.steps.reduce((s, x) => s + x.budgetMs, 0);
const med = (v: number[]) => percentile(v, 50);
console.log(`runs: ${RUNS}, monitor interval ${ms(INTERVAL_MS)}, failureLimit 1`);
console.log(
  `breach → decision:             median ${ms(med(toDecision))}, max ${ms(Math.max(...toDecision))} (bound: one interval after the limit, i.e. ≤ ${ms(2 * INTERVAL_MS)})`,
);
console.log(
  `limit passed → decision:       median ${ms(med(toDecisionAfterLimit))}, max ${ms(Math.max(...toDecisionAfterLimit))} (bound: ${ms(INTERVAL_MS)})`,
);
console.log(
  `breach → rollback complete:    median ${ms(med(toRolledBack))}, max ${ms(Math.max(...toRolledBack))} (bound: budgets ${ms(budgets)}, demo target 60 s)`,
);
