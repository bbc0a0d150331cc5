import { describe, expect, it } from 'vitest';
import { simulate } from './simulate.js';

/** Cases per run; SIM_CASES overrides, SIM_SEED replays one case. */
const CASES = Number(process.env.SIM_CASES ?? 1000);
const BASE_SEED = Number(process.env.SIM_BASE_SEED ?? 20261205);

describe('deterministic simulation of runs with crashes and people', () => {
  it(`keeps every invariant over ${CASES} seeded cases (replay one with SIM_SEED=N)`, async () => {
    const seeds = process.env.SIM_SEED
      ? [Number(process.env.SIM_SEED)]
      : Array.from({ length: CASES }, (_, i) => BASE_SEED + i);
    let crashes = 0;
    let actions = 0;
    const outcomes = new Map<string, number>();
    for (const seed of seeds) {
      try {
        const r = await simulate(seed);
        crashes += r.crashes;
        actions += r.humanActions;
        const ended = r.events.at(-1)?.data;
        const outcome = ended?.type === 'run.ended' ? ended.outcome : 'none';
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      } catch (error) {
        throw new Error(
          `simulation failed for seed ${seed} (replay: SIM_SEED=${seed} npx vitest run test/simulation): ${(error as Error).message}`,
          { cause: error },
        );
      }
    }
    // The generator must exercise what the invariants are about, or they prove nothing.
    if (seeds.length > 100) {
      expect(crashes).toBeGreaterThan(seeds.length / 10);
      expect(actions).toBeGreaterThan(seeds.length);
      for (const o of ['completed', 'rolled-back', 'aborted', 'no-go']) {
        expect(outcomes.get(o) ?? 0).toBeGreaterThan(0);
      }
    }
    // CPU-bound (1000 cases): minutes on a loaded shared machine, which is slow, not wrong.
  }, 1_800_000);

  it('replays a seed to exactly the same journal', async () => {
    const a = await simulate(BASE_SEED + 7);
    const b = await simulate(BASE_SEED + 7);
    expect(b.events.map((e) => e.hash)).toEqual(a.events.map((e) => e.hash));
  });
});
