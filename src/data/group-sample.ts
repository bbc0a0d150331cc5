/**
 * A sample of about `share` of the key groups `1 … groups - 2`, one group picked at random in each of as many
 * equal strata, so the sample is spread over the whole key space. The first and last group are never sampled:
 * they hold the open ends of the key space (keys a live source adds below the lowest or past the highest key),
 * which only the grouped pass reads. Which groups are picked never affects the result, only how soon a
 * difference is seen; `seed` makes a run repeatable (tests pass a fixed clock), and a different seed per run
 * means no group is left out of every sample. Sorted ascending.
 */
export function sampleGroups(groups: number, share: number, seed: number): number[] {
  const inner = groups - 2;
  if (inner < 1) return [];
  const n = Math.max(1, Math.min(inner, Math.round(inner * share)));
  const next = mulberry32(seed);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const from = Math.floor((i * inner) / n);
    const to = Math.floor(((i + 1) * inner) / n);
    out.push(1 + from + Math.floor(next() * (to - from)));
  }
  return out;
}

/** A small seeded generator of uniform numbers in [0, 1) (Mulberry32): enough to spread a sample, not crypto. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
