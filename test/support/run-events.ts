import type { NewRunEvent, RunEventData } from '../../src/core/run-event.js';

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
