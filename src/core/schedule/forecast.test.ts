import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildDurationModels, compileModels, drawDuration } from './duration-model.js';
import { runForecast } from './forecast.js';
import { loadPlan } from '../plan/load-plan.js';
import type { ObservedDuration } from './observed-durations.js';
import type { Plan } from '../plan/plan.js';
import { computeSchedule } from './schedule.js';

const M = 60_000;

function planOf(text: string): Plan {
  const { plan, issues } = loadPlan(text);
  if (!plan) throw new Error(issues.map((i) => i.message).join('\n'));
  return plan;
}

const seen = (taskId: string, ...minutes: number[]): ObservedDuration[] =>
  minutes.map((m, k) => ({ taskId, runId: `r${k}`, mode: 'rehearsal', durationMs: m * M }));

/** Random valid plans: 1–3 phases at increasing times, 1–5 tasks each, `after:` on earlier tasks. */
const planArb = fc
  .array(
    fc.record({
      gapMin: fc.integer({ min: 0, max: 90 }),
      tasks: fc.array(
        fc.record({ estimate: fc.integer({ min: 1, max: 60 }), deps: fc.array(fc.nat(), { maxLength: 3 }) }),
        { minLength: 1, maxLength: 5 },
      ),
    }),
    { minLength: 1, maxLength: 3 },
  )
  .map((phases) => {
    let at = 0;
    let count = 0;
    const lines = [
      'version: 1',
      'name: gen',
      'window: { start: T-0, end: T+6h }',
      'roles: { ops: { members: [x] } }',
    ];
    lines.push('rollback: { steps: [{ id: rb, title: Back, owner: ops, budget: 30m }] }', 'phases:');
    phases.forEach((phase, p) => {
      at += phase.gapMin;
      lines.push(`  - id: p${p}`, `    at: T+${at}m`.replace('T+0m', 'T-0'), '    tasks:');
      phase.tasks.forEach((t) => {
        const deps = count === 0 ? [] : [...new Set(t.deps.map((d) => `t${d % count}`))];
        lines.push(
          `      - { id: t${count}, owner: ops, estimate: ${t.estimate}m, after: [${deps.join(', ')}] }`,
        );
        count++;
      });
    });
    return planOf(lines.join('\n') + '\n');
  });

describe('the forecast on small graphs with known answers', () => {
  // a: 10m three times in four, 30m once; b: always 20m; in parallel. End: 20m (75 %) or 30m (25 %).
  const parallel = planOf(`version: 1
name: k
window: { start: T-0, end: T+25m }
roles: { ops: { members: [x] } }
phases: [{ id: p, at: T-0, tasks: [{ id: a, owner: ops, estimate: 10m }, { id: b, owner: ops, estimate: 20m }] }]
rollback: { steps: [{ id: rb, title: Back, owner: ops, budget: 3m }] }
`);
  const history = [...seen('a', 10, 10, 10, 30), ...seen('b', 20, 20, 20)];

  it('two parallel tasks: P50, P90, the window, the point of no return and who is critical', () => {
    const f = runForecast(parallel, buildDurationModels(parallel, history), { samples: 20_000, seed: 7 });
    expect(f.plannedEndMs).toBe(20 * M);
    expect(f.p50EndMs).toBe(20 * M);
    expect(f.p90EndMs).toBe(30 * M);
    expect(f.chanceInsideWindow).toBeCloseTo(0.75, 1);
    // The point of no return is T+22m: passed before the end exactly when the end is T+30m.
    expect(f.pointOfNoReturnMs).toBe(22 * M);
    expect(f.chancePointOfNoReturnFirst).toBeCloseTo(0.25, 1);
    expect(f.criticality.map((c) => c.id)).toEqual(['b', 'a']);
    expect(f.criticality[0]!.share).toBeCloseTo(0.75, 1);
  });

  it('the point of no return counts against the last task the rollback exists for', () => {
    const models = buildDurationModels(parallel, history);
    const chance = (guarded: string[]) =>
      runForecast(parallel, models, { samples: 20_000, seed: 7, guarded }).chancePointOfNoReturnFirst!;
    // b always ends at T+20m, before the point of no return (T+22m); a ends at T+30m one time in four.
    expect(chance(['b'])).toBe(0);
    expect(chance(['a'])).toBeCloseTo(0.25, 1);
    expect(runForecast(parallel, models, { samples: 10, seed: 1, guarded: ['b', 'nope'] }).guarded).toEqual([
      'b',
    ]);
  });

  it('converges: the error of the chance of finishing inside the window shrinks with more samples', () => {
    const models = buildDurationModels(parallel, history);
    const error = (samples: number) =>
      Math.max(
        ...[1, 2, 3, 4, 5].map((seed) =>
          Math.abs(runForecast(parallel, models, { samples, seed }).chanceInsideWindow! - 0.75),
        ),
      );
    expect(error(40_000)).toBeLessThan(0.015);
    expect(error(40_000)).toBeLessThan(error(50));
  });

  it('a chain adds up, and a gate never lasts past its deadline', () => {
    const plan = planOf(`version: 1
name: k
roles: { ops: { members: [x] } }
phases:
  - id: p
    at: T-0
    tasks:
      - { id: g, type: gate, voters: [ops], deadline: T+10m, estimate: 1h }
      - { id: a, owner: ops, estimate: 5m, after: [g] }
      - { id: b, owner: ops, estimate: 5m, after: [a] }
`);
    const f = runForecast(
      plan,
      buildDurationModels(plan, [...seen('a', 4, 6, 8), ...seen('g', 90, 90, 90)]),
      {
        samples: 3000,
        seed: 3,
      },
    );
    // g: 10m (its deadline), a: 4, 6 or 8m, b: 4–7m around its estimate → end between 18m and 25m.
    expect(f.p50EndMs).toBeGreaterThanOrEqual(18 * M);
    expect(f.p90EndMs).toBeLessThanOrEqual(25 * M);
    expect(f.criticality.map((c) => c.id).sort()).toEqual(['a', 'b', 'g']);
    expect(f.criticality.every((c) => c.share === 1)).toBe(true);
  });

  it('is deterministic for a seed and varies with it', () => {
    const models = buildDurationModels(parallel, history, { minSamples: 3, spread: 0.5 });
    const one = runForecast(parallel, models, { samples: 500, seed: 42 });
    expect(runForecast(parallel, models, { samples: 500, seed: 42 })).toEqual(one);
    expect(runForecast(parallel, models, { samples: 500, seed: 43 }).meanEndMs).not.toBe(one.meanEndMs);
  });
});

describe('forecast properties', () => {
  it('P50 ≤ P90, and the chances are shares', () => {
    fc.assert(
      fc.property(planArb, fc.integer(), fc.double({ min: 0, max: 1, noNaN: true }), (plan, seed, spread) => {
        const f = runForecast(plan, buildDurationModels(plan, [], { minSamples: 3, spread }), {
          samples: 200,
          seed,
        });
        expect(f.p50EndMs).toBeLessThanOrEqual(f.p90EndMs);
        expect(f.chanceInsideWindow).toBeGreaterThanOrEqual(0);
        expect(f.chanceInsideWindow).toBeLessThanOrEqual(1);
      }),
      { numRuns: 60 },
    );
  });

  it('with zero variance the forecast equals the deterministic schedule', () => {
    fc.assert(
      fc.property(planArb, fc.integer(), fc.boolean(), (plan, seed, fromHistory) => {
        // Either no history and no spread, or a history that always saw exactly the estimate.
        const history = fromHistory
          ? plan.tasks.flatMap((t) => seen(t.id, ...[1, 2, 3].map(() => t.estimateMs / M)))
          : [];
        const f = runForecast(plan, buildDurationModels(plan, history, { minSamples: 3, spread: 0 }), {
          samples: 50,
          seed,
        });
        const schedule = computeSchedule(plan);
        expect(f.p50EndMs).toBe(schedule.expectedEndMs);
        expect(f.p90EndMs).toBe(schedule.expectedEndMs);
        expect(f.criticality.filter((c) => c.share === 1).map((c) => c.id)).toEqual(
          expect.arrayContaining([...schedule.criticalPath]),
        );
      }),
      { numRuns: 60 },
    );
  });

  it('more samples converge: two seeds agree on the mean end within 5 % of its possible range', () => {
    fc.assert(
      fc.property(planArb, (plan) => {
        const models = buildDurationModels(plan, [], { minSamples: 3, spread: 0.5 });
        const lo = runForecast(plan, buildDurationModels(plan, [], { minSamples: 3, spread: 0 }), {
          samples: 1,
          seed: 0,
        }).meanEndMs;
        const range = Math.max(1, 2 * (lo - computeSchedule(plan).startMs));
        const a = runForecast(plan, models, { samples: 5000, seed: 1 }).meanEndMs;
        const b = runForecast(plan, models, { samples: 5000, seed: 2 }).meanEndMs;
        expect(Math.abs(a - b)).toBeLessThan(0.05 * range);
      }),
      { numRuns: 20 },
    );
  });

  it('a task with no history uses its estimate (and its spread) while the others use theirs', () => {
    fc.assert(
      fc.property(planArb, fc.nat(), fc.double({ min: 0, max: 1, noNaN: true }), (plan, pick, u) => {
        const lonely = plan.tasks[pick % plan.tasks.length]!;
        const history = plan.tasks.filter((t) => t !== lonely).flatMap((t) => seen(t.id, 1, 2, 3));
        const models = buildDurationModels(plan, history, { minSamples: 3, spread: 0 });
        const model = models.find((m) => m.id === lonely.id)!;
        expect(model.basis).toBe('estimate');
        expect(drawDuration(model, u)).toBe(lonely.estimateMs);
        const widened = buildDurationModels(plan, history, { minSamples: 3, spread: 0.2 }).find(
          (m) => m.id === lonely.id,
        )!;
        const d = drawDuration(widened, u);
        expect(d).toBeGreaterThanOrEqual(lonely.estimateMs * 0.8 - 1e-6);
        expect(d).toBeLessThanOrEqual(lonely.estimateMs * 1.4 + 1e-6);
        for (const m of models.filter((x) => x.id !== lonely.id)) expect(m.basis).toBe('history');
      }),
      { numRuns: 100 },
    );
  });

  it('the compiled models draw exactly what the models say', () => {
    fc.assert(
      fc.property(
        planArb,
        fc.array(fc.integer({ min: 0, max: 7_200 }), { maxLength: 6 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 0.9999999, noNaN: true }),
        (plan, secs, spread, u) => {
          const history = plan.tasks
            .slice(0, 2)
            .flatMap((t) =>
              secs.map((x) => ({ taskId: t.id, runId: 'r', mode: 'live' as const, durationMs: x * 1000 })),
            );
          const models = buildDurationModels(plan, history, { minSamples: 2, spread });
          const draw = compileModels(models);
          models.forEach((m, i) => expect(draw(i, u)).toBeCloseTo(drawDuration(m, u), 6));
        },
      ),
      { numRuns: 100 },
    );
  });
});
