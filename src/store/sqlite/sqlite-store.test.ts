import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { NewRunEvent, RunEvent } from '../../core/run/run-event.js';
import { SqliteStore } from './sqlite-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const started: NewRunEvent = {
  atMs: 1,
  actor: 'system',
  data: {
    type: 'run.started',
    planName: 'p',
    planTitle: 'P',
    planText: '',
    planPath: '/p',
    mode: 'rehearsal',
    goLiveMs: 1,
    dryRun: false,
    autoApprove: false,
    comms: 'off',
    speed: 1,
    rollbackSteps: [],
  },
};

describe('reading a SQLite journal longer than one page of rows', () => {
  it('returns every event in order, whole or from any point, with any limit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tminus-sqlite-read-'));
    dirs.push(dir);
    const store = SqliteStore.open(join(dir, 'tminus.db'));
    try {
      await store.createRun('r', [started]);
      const batch = (from: number): NewRunEvent[] =>
        Array.from({ length: 3000 }, (_, i) => ({
          atMs: from + i,
          actor: i % 2 ? 'bob' : 'system',
          data: { type: 'step.started', stepId: `t${from + i}`, attempt: 1 },
        }));
      for (let seq = 1; seq < 9001; seq += 3000) {
        expect((await store.append('r', seq, batch(seq))).ok).toBe(true);
      }

      const all = await store.readEvents('r');
      expect(all.map((e) => e.seq)).toEqual(Array.from({ length: 9001 }, (_, i) => i + 1));
      all.slice(1).forEach((e, i) => expect(e.prevHash).toBe(all[i]!.hash));
      expect(all[5000]).toMatchObject({ runId: 'r', seq: 5001, atMs: 5000, actor: 'bob' });
      expect(all[5000]!.data).toEqual({ type: 'step.started', stepId: 't5000', attempt: 1 });

      const seqs = (events: readonly RunEvent[]) => events.map((e) => e.seq);
      expect(seqs(await store.readEvents('r', 4000))).toEqual(seqs(all.slice(4000)));
      expect(await store.readEvents('r', 4000, 5000)).toEqual(all.slice(4000, 9000));
      expect(await store.readEvents('r', 4095, 2)).toEqual(all.slice(4095, 4097));
      expect(await store.readEvents('r', 0, 0)).toEqual([]);
      expect(await store.readEvents('r', 9001)).toEqual([]);
      expect(await store.readEvents('other')).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
