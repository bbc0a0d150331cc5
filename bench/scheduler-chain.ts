/**
 * The scheduler's look-ahead pass on a chain, in memory (no store, no executor, no I/O): for each task of an
 * N-task chain, as the executor records a result, the pass decided on the state its success leaves
 * (`withSuccesses` + `decide`), then the success and the dependent's start applied. What `engine-dispatch.ts`
 * spends in the scheduler per dispatch, without the append's noise around it. Prints the time of a pass
 * (p50, mean) for the first chain of the process (code not yet compiled, as in the dispatch bench) and for
 * later chains (compiled). `N` (500), `CHAINS` (5).
 *
 * `WIDE=1`: the 10,000-task plan of `engine-10k.ts` instead, every running step ending in each batch (as its
 * no-op actions do): what that bench spends in the scheduler and in applying the events, per run.
 *
 * Runs on code from before the frontier too (its tentative pass is then kept with `keepLearnt`, as its
 * executor did), for A/B measurements from a second worktree.
 */
import { performance } from 'node:perf_hooks';
import { foldWatch } from '../src/core/go-live/watch-state.js';
import type { RunEvent, RunEventData } from '../src/core/run/run-event.js';
import { applyEvent, foldRun } from '../src/core/run/run-state.js';
import type { RunState } from '../src/core/run/run-state.js';
import { withSuccesses } from '../src/core/run/tentative-state.js';
import * as scheduler from '../src/engine/scheduler.js';
import { WatchClockSource } from '../src/engine/watch-clock.js';
import { benchRunStarted, load, load1, noopPlanText, percentile } from './engine-support.js';

const WIDE = process.env.WIDE === '1';
const N = WIDE ? 10_000 : Number(process.env.N ?? 500);
const CHAINS = Number(process.env.CHAINS ?? 5);
const tasks = Array.from(
  { length: N },
  (_, i) => `      - { id: t${i}, owner: ops, action: noop${i > 0 ? `, after: [t${i - 1}]` : ''} }`,
);
const text = WIDE
  ? noopPlanText(10, 1000)
  : `version: 1\nname: chain\nroles: { ops: { members: [bob] } }\nphases:\n  - id: p\n    at: T-0\n    tasks:\n${tasks.join('\n')}\n`;
const plan = load(text);
const watch = foldWatch(plan, []);
const clocks = new WatchClockSource(plan);
/** The code before the frontier kept a tentative pass's findings by hand; absent since. */
const keep = (scheduler as Record<string, unknown>).keepLearnt as ((learnt: unknown) => void) | undefined;

function chain(): number[] {
  const started = benchRunStarted('chain', text, 0);
  const first: RunEvent = {
    runId: 'r',
    seq: 1,
    atMs: 0,
    actor: 'system',
    data: started as RunEventData,
    prevHash: '',
    hash: 'h1',
  };
  const state: RunState = foldRun([first]);
  const event = (data: RunEventData, seq = state.lastSeq + 1): RunEvent => ({
    runId: 'r',
    seq,
    atMs: 1000,
    actor: 'system',
    data,
    prevHash: '',
    hash: `h${seq}`,
  });
  const pass = (s: RunState) =>
    scheduler.decide(plan, s, 1000, {
      concurrency: undefined,
      watch: { state: watch, clock: clocks.at(s, 1000) },
      ...(keep ? { tentative: true } : {}),
    });
  const times: number[] = [];
  // The first pass is the executor's loop's own (not a look): it starts what can start.
  let running = pass(state).starts;
  for (const id of running) applyEvent(state, event({ type: 'step.started', stepId: id, attempt: 1 }));
  while (running.length > 0) {
    const batch = WIDE ? running : running.slice(0, 1);
    let seq = state.lastSeq;
    const successes = batch.map((id) =>
      event({ type: 'step.succeeded', stepId: id, attempt: 1, summary: 'ok' }, ++seq),
    );
    const t0 = performance.now();
    const d = withSuccesses(state, successes, pass)!;
    times.push(performance.now() - t0);
    for (const s of successes) applyEvent(state, s);
    for (const id of d.starts) applyEvent(state, event({ type: 'step.started', stepId: id, attempt: 1 }));
    const learnt = (d as { learnt?: unknown }).learnt;
    if (keep && learnt) keep(learnt);
    const ended = new Set(batch);
    running = [...running.filter((id) => !ended.has(id)), ...d.starts];
  }
  const done = Object.values(state.steps).filter((s) => s.status === 'succeeded').length;
  if (done !== N) throw new Error(`${done} of ${N} tasks done`);
  return times;
}

const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;
const load0 = load1();
const cpu0 = process.cpuUsage();
const results = Array.from({ length: CHAINS }, chain);
const cpu = process.cpuUsage(cpu0);
for (const [c, times] of results.entries()) {
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  console.log(
    `${WIDE ? 'run' : 'chain'} ${c + 1} of ${N} tasks, ${times.length} passes: ${times.reduce((a, b) => a + b, 0).toFixed(1)} ms in all, a pass p50 ${us(percentile(times, 50))}, mean ${us(mean)}, p99 ${us(percentile(times, 99))}`,
  );
}
console.log(`CPU ${((cpu.user + cpu.system) / 1000).toFixed(1)} ms in all; load ${load0} → ${load1()}`);
