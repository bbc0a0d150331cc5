import type { NewRunEvent, RunEvent, RunEventData } from '../../src/core/run/run-event.js';
import { GENESIS_HASH } from '../../src/core/run/run-event.js';

/** A `run.started` event for tests, with overridable fields. */
export function runStarted(
  overrides: Partial<Extract<RunEventData, { type: 'run.started' }>> = {},
): NewRunEvent {
  return {
    atMs: 1_000,
    actor: 'system',
    data: {
      type: 'run.started',
      planName: 'shop',
      planTitle: 'Shop',
      planText: 'version: 1',
      planPath: '/tmp/plan.yaml',
      mode: 'rehearsal',
      goLiveMs: 100_000,
      dryRun: false,
      autoApprove: false,
      comms: 'off',
      speed: 1,
      rollbackSteps: [],
      ...overrides,
    },
  };
}

export const ev = (data: RunEventData, atMs = 2_000, actor = 'system'): NewRunEvent => ({
  atMs,
  actor,
  data,
});

/** Events as a store returns them (numbered, with placeholder hashes), for folding in unit tests. */
export const stored = (events: readonly NewRunEvent[], runId = 'r'): RunEvent[] =>
  events.map((e, i) => ({ ...e, runId, seq: i + 1, prevHash: GENESIS_HASH, hash: `h${i + 1}` }));
