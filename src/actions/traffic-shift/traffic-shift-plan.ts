import type { ServerAdminState, ServerChange } from '../shared/traffic/traffic-provider.js';

/** One stage of a shift: a label for the log, and the settings to reach. */
export interface ShiftStep {
  readonly label: string;
  readonly percent: number | undefined;
  readonly desired: Readonly<Record<string, ServerChange>>;
}

export interface ShiftSpec {
  readonly weights?: Readonly<Record<string, number>> | undefined;
  readonly states?: Readonly<Record<string, ServerAdminState>> | undefined;
  readonly from?: string | readonly string[] | undefined;
  readonly to?: string | readonly string[] | undefined;
  readonly steps?: readonly number[] | undefined;
  readonly drain?: boolean | undefined;
}

export const names = (v: string | readonly string[] | undefined): readonly string[] =>
  v === undefined ? [] : typeof v === 'string' ? [v] : v;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * Per-server weights that give the `to` side p % of the traffic whatever the number of servers per side:
 * each `to` server gets p·nFrom/g and each `from` server (100 − p)·nTo/g (g = gcd(nFrom, nTo)), scaled down
 * to the balancer's maximum weight if needed. With one server per side this is simply p and 100 − p.
 */
export function sideWeights(
  percent: number,
  nFrom: number,
  nTo: number,
  maxWeight: number,
): { readonly to: number; readonly from: number } {
  const g = gcd(Math.max(nFrom, 1), Math.max(nTo, 1));
  const toUnit = Math.max(nFrom, 1) / g;
  const fromUnit = Math.max(nTo, 1) / g;
  const scale = Math.min(1, maxWeight / Math.max(percent * toUnit, (100 - percent) * fromUnit, 1));
  return { to: Math.round(percent * toUnit * scale), from: Math.round((100 - percent) * fromUnit * scale) };
}

/**
 * The stages of a shift. `weights:` is one stage. `from`/`to` with `steps: [10, 50, 100]` moves p % of the
 * traffic to the `to` servers at each step (see `sideWeights`); `to` servers are made ready, and
 * `drain: true` drains the `from` servers once they reach weight 0.
 */
export function shiftSteps(spec: ShiftSpec, maxWeight = 100): ShiftStep[] {
  if (spec.weights || spec.states) {
    const desired: Record<string, ServerChange> = {};
    for (const [n, w] of Object.entries(spec.weights ?? {})) desired[n] = { weight: w };
    for (const [n, state] of Object.entries(spec.states ?? {})) desired[n] = { ...desired[n], state };
    return [{ label: spec.weights ? 'weights' : 'states', percent: undefined, desired }];
  }
  const from = names(spec.from);
  const to = names(spec.to);
  const steps = spec.steps ?? [100];
  return steps.map((p, i) => {
    const last = i === steps.length - 1;
    const w = sideWeights(p, from.length, to.length, maxWeight);
    const desired: Record<string, ServerChange> = {};
    for (const n of to) desired[n] = { weight: w.to, state: 'ready' };
    for (const n of from) {
      desired[n] = spec.drain && last && p === 100 ? { weight: 0, state: 'drain' } : { weight: w.from };
    }
    return { label: `${p} % to ${to.join(', ')}`, percent: p, desired };
  });
}
