// Benchmark: `tminus validate` + `tminus plan` work on a generated 5,000-task plan, in process.
// Prints the median of several runs next to the lower bound measured in the same run: parsing the same
// text with the YAML library alone (no positions, no schema, no checks, no schedule).
// Run: npm run bench:plan
import { performance } from 'node:perf_hooks';
import { cpus } from 'node:os';
import { parse } from 'yaml';
import { loadPlan } from '../src/core/plan/load-plan.js';
import { computeSchedule } from '../src/core/schedule/schedule.js';
import { generatePlan } from '../test/plan/generate-plan.js';

const TASKS = Number(process.env.TASKS ?? 5000);
const RUNS = Number(process.env.RUNS ?? 9);
const text = generatePlan(TASKS, 10, 42);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function time(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

const bound: number[] = [];
const validate: number[] = [];
const schedule: number[] = [];
for (let i = 0; i < RUNS; i++) {
  bound.push(time(() => parse(text)));
  let plan: ReturnType<typeof loadPlan>['plan'];
  validate.push(time(() => (plan = loadPlan(text).plan)));
  if (!plan) throw new Error('generated plan did not validate');
  schedule.push(time(() => computeSchedule(plan!)));
}
const total = validate.map((v, i) => v + schedule[i]!);
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
console.log(`plan: ${TASKS} tasks, ${(text.length / 1024).toFixed(0)} KiB, median of ${RUNS} runs`);
console.log(`lower bound (YAML parse only):   ${median(bound).toFixed(1)} ms`);
console.log(`validate (parse+schema+checks):  ${median(validate).toFixed(1)} ms`);
console.log(`plan (schedule, critical path):  ${median(schedule).toFixed(1)} ms`);
console.log(
  `validate + plan:                 ${median(total).toFixed(1)} ms  (${(median(total) / median(bound)).toFixed(2)}× the bound)`,
);
