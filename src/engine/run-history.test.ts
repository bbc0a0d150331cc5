import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPlan } from '../core/plan/load-plan.js';
import type { NewRunEvent } from '../core/run/run-event.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { ev, runStarted } from '../../test/support/run-events.js';
import { readPlanHistory } from './run-history.js';

const dir = mkdtempSync(join(tmpdir(), 'tminus-history-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const { plan } = loadPlan(`version: 1
name: shop
roles: { ops: { members: [x] } }
phases: [{ id: p, at: T-0, tasks: [{ id: pause, owner: ops, action: wait, with: { duration: 20m }, estimate: 10m }] }]
`);

/** A rehearsal of `planName` in which the wait took `minutes` of run time. */
const rehearsal = (minutes: number, planName = 'shop'): NewRunEvent[] => [
  runStarted({ planName, speed: 50 }),
  ev({ type: 'executor.started', holder: 'h', realMs: 0, speed: 50 }, 1_000),
  ev({ type: 'step.started', stepId: 'pause', attempt: 1 }, 2_000),
  ev({ type: 'step.succeeded', stepId: 'pause', attempt: 1, summary: 'ok' }, 2_000 + minutes * 60_000),
];

describe('readPlanHistory', () => {
  it('reads the runs of the same plan from several stores, once each, leaving out the run forecast', async () => {
    const here = SqliteStore.open(join(dir, 'here.db'));
    const there = SqliteStore.open(join(dir, 'there.db'));
    try {
      await here.createRun('a', rehearsal(20));
      await here.createRun('b', rehearsal(22));
      await here.createRun('now', rehearsal(99));
      await here.createRun('other-plan', rehearsal(5, 'warehouse'));
      await there.createRun('c', rehearsal(24));
      await there.createRun('a', rehearsal(20));
      const history = await readPlanHistory([here, there], plan!, { excludeRunId: 'now' });
      expect(history.runs.map((r) => r.runId).sort()).toEqual(['a', 'b', 'c']);
      expect(history.runs.every((r) => r.mode === 'rehearsal' && r.speed === 50 && r.durations === 1)).toBe(
        true,
      );
      // The 20m wait counts as is; what the run clock shows beyond it ran 50× compressed (2m → 2.4 s, 4m → 4.8 s).
      expect(history.observed.map((o) => o.durationMs / 1000).sort()).toEqual([1200, 1202, 1205]);
    } finally {
      await here.close();
      await there.close();
    }
  });
});
