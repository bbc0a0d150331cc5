import type { ServerChange } from '../traffic/traffic-provider.js';

/** One stage of a shift: a label for the log, and the settings to reach. */
export interface ShiftStep {
  readonly label: string;
  readonly percent: number | undefined;
  readonly desired: Readonly<Record<string, ServerChange>>;
}

export interface ShiftSpec {
  readonly weights?: Readonly<Record<string, number>> | undefined;
  readonly from?: string | readonly string[] | undefined;
  readonly to?: string | readonly string[] | undefined;
  readonly steps?: readonly number[] | undefined;
  readonly drain?: boolean | undefined;
}

export const names = (v: string | readonly string[] | undefined): readonly string[] =>
  v === undefined ? [] : typeof v === 'string' ? [v] : v;

/**
 * The stages of a shift. `weights:` is one stage. `from`/`to` with `steps: [10, 50, 100]` gives each `to`
 * server weight p and each `from` server 100 − p (with one server per side p is the share in percent); `to`
 * servers are made ready, and `drain: true` drains the `from` servers once they reach weight 0.
 */
export function shiftSteps(spec: ShiftSpec): ShiftStep[] {
  if (spec.weights) {
    const desired = Object.fromEntries(Object.entries(spec.weights).map(([n, w]) => [n, { weight: w }]));
    return [{ label: 'weights', percent: undefined, desired }];
  }
  const from = names(spec.from);
  const to = names(spec.to);
  const steps = spec.steps ?? [100];
  return steps.map((p, i) => {
    const last = i === steps.length - 1;
    const desired: Record<string, ServerChange> = {};
    for (const n of to) desired[n] = { weight: p, state: 'ready' };
    for (const n of from) {
      desired[n] = spec.drain && last && p === 100 ? { weight: 0, state: 'drain' } : { weight: 100 - p };
    }
    return { label: `${p} % to ${to.join(', ')}`, percent: p, desired };
  });
}
