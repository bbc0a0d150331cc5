// Benchmark: `tminus forecast`'s Monte Carlo — 10,000 samples over a generated 1,000-task plan, in process.
// The lower bound, measured in the same run: one deterministic schedule pass over the same compiled graph
// (the plan's estimates, no sampling) times the number of samples. Target: under 1 s.
// Run: npx tsx bench/forecast.ts   (TASKS=1000 SAMPLES=10000 RUNS=5)
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { buildDurationModels } from '../src/core/schedule/duration-model.js';
import { runForecast } from '../src/core/schedule/forecast.js';
import { loadPlan } from '../src/core/plan/load-plan.js';
import type { ObservedDuration } from '../src/core/schedule/observed-durations.js';
import { compileGraph, estimatesOf, forwardPass, newPassTimes } from '../src/core/schedule/schedule-graph.js';
import { generatePlan } from '../test/plan/generate-plan.js';

const TASKS = Number(process.env.TASKS ?? 1000);
const SAMPLES = Number(process.env.SAMPLES ?? 10_000);
const RUNS = Number(process.env.RUNS ?? 5);

const { plan } = loadPlan(generatePlan(TASKS, 10, 42));
if (!plan) throw new Error('generated plan did not validate');
const graph = compileGraph(plan);
// Every other task has five earlier durations (0.5× to 2.5× its estimate); the rest fall back to estimates.
const observed: ObservedDuration[] = plan.tasks.flatMap((t, i) =>
  i % 2 === 0
    ? [0.5, 1, 1.5, 2, 2.5].map((f, k) => ({
        taskId: t.id,
        runId: `r${k}`,
        mode: 'rehearsal' as const,
        durationMs: t.estimateMs * f,
      }))
    : [],
);
const models = buildDurationModels(plan, observed);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Wall and CPU (user + system) milliseconds of `fn`: on a loaded machine CPU time says more about the code. */
function measure(fn: () => void): { wall: number; cpu: number } {
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  fn();
  const wall = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / 1000 };
}

const times = newPassTimes(graph);
const estimates = { work: estimatesOf(graph) };
const boundRun = () =>
  measure(() => {
    for (let k = 0; k < SAMPLES; k++) forwardPass(graph, estimates, times);
  });
const forecastRun = (seed: number) =>
  measure(() => runForecast(plan, models, { samples: SAMPLES, seed, graph }));

// Warm up both (JIT), then alternate so load changes hit both alike.
boundRun();
forecastRun(0);
const bound: { wall: number; cpu: number }[] = [];
const forecast: { wall: number; cpu: number }[] = [];
for (let r = 0; r < RUNS; r++) {
  bound.push(boundRun());
  forecast.push(forecastRun(r + 1));
}
const figure = (xs: { wall: number; cpu: number }[]) => ({
  wall: median(xs.map((x) => x.wall)),
  cpu: median(xs.map((x) => x.cpu)),
});
const b = figure(bound);
const f = figure(forecast);
console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(
  `plan: ${plan.tasks.length} tasks in ${plan.phases.length} phases, ${SAMPLES} samples, median of ${RUNS} runs`,
);
console.log(
  `lower bound (deterministic pass × ${SAMPLES}): ${b.wall.toFixed(0)} ms wall, ${b.cpu.toFixed(0)} ms CPU`,
);
console.log(
  `forecast (sample + pass + critical path):  ${f.wall.toFixed(0)} ms wall, ${f.cpu.toFixed(0)} ms CPU  (${(f.wall / b.wall).toFixed(2)}× the bound wall, ${(f.cpu / b.cpu).toFixed(2)}× CPU)`,
);
