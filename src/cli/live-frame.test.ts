import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../core/plan/load-plan.js';
import type { RunEventData } from '../core/run/run-event.js';
import { foldRun } from '../core/run/run-state.js';
import { renderLiveFrame } from './live-frame.js';
import type { Style } from './style.js';

const plain: Style = new Proxy({} as Style, { get: () => (t: string) => t });
const text = readFileSync(join(import.meta.dirname, '..', '..', 'templates', 'webapp.yaml'), 'utf8');
const plan = loadPlan(text).plan!;
const T0 = Date.parse('2026-12-05T02:00:00Z');

/** A run of the webapp template folded from these events (after its start), each a minute apart. */
function stateOf(...data: RunEventData[]) {
  const all: RunEventData[] = [
    {
      type: 'run.started',
      planName: plan.name,
      planTitle: plan.title,
      planText: text,
      planPath: '/plan.yaml',
      mode: 'rehearsal',
      goLiveMs: T0,
      dryRun: false,
      autoApprove: false,
      comms: 'test',
      speed: 20,
      rollbackSteps: plan.rollback.steps.map((s) => s.id),
    } as RunEventData,
    ...data,
  ];
  const start = T0 + (plan.phases[0]?.atMs ?? 0);
  return foldRun(
    all.map((d, i) => ({
      runId: 'r',
      seq: i + 1,
      atMs: start + i * 60_000,
      actor: d.type === 'run.paused' ? 'alice' : 'system',
      data: d,
      prevHash: '',
      hash: '',
    })),
  );
}

const recent = Array.from({ length: 40 }, (_, i) => `#${i + 1} T-1h some event line number ${i + 1}`);
const ids = plan.tasks.map((t) => t.id);
const busy = stateOf(
  { type: 'step.started', stepId: ids[0]!, attempt: 1 },
  { type: 'step.waiting', stepId: ids[1]! },
  { type: 'step.started', stepId: ids[2]!, attempt: 1 },
  { type: 'step.interrupted', stepId: ids[2]!, attempt: 1, rerun: false },
);

describe('the live view fits the terminal', () => {
  it.each([
    [80, 24],
    [120, 40],
  ])('at %i×%i: never more lines or columns, countdown and point of no return on top', (columns, rows) => {
    const lines = renderLiveFrame({
      plan,
      state: busy,
      now: busy.lastAtMs,
      recent,
      style: plain,
      columns,
      rows,
    });
    expect(lines.length).toBeLessThanOrEqual(rows);
    for (const l of lines) expect(stripVTControlCharacters(l).length).toBeLessThanOrEqual(columns);
    expect(lines[0]).toMatch(/^T-\d/);
    expect(lines[1]).toMatch(/^point of no return T\+/);
    const frame = lines.join('\n');
    expect(frame).toContain(`${ids[1]}: `);
    expect(frame).toContain(`! ${ids[2]} held outcome-unknown: it was running`);
    expect(frame).toContain(`▶ ${ids[0]} running`);
    expect(frame).toContain('latest');
    expect(frame).toContain('some event line number 40');
  });

  it('gives the latest events only the room left, and more of them on a taller terminal', () => {
    const small = renderLiveFrame({
      plan,
      state: busy,
      now: busy.lastAtMs,
      recent,
      style: plain,
      columns: 80,
      rows: 24,
    });
    const tall = renderLiveFrame({
      plan,
      state: busy,
      now: busy.lastAtMs,
      recent,
      style: plain,
      columns: 120,
      rows: 40,
    });
    const events = (ls: string[]) => ls.filter((l) => l.includes('some event line')).length;
    expect(events(tall)).toBeGreaterThan(events(small));
  });

  it('says what a paused run waits for, and who paused it why', () => {
    const paused = stateOf({ type: 'run.paused', reason: 'vendor late' });
    const frame = renderLiveFrame({
      plan,
      state: paused,
      now: paused.lastAtMs,
      recent: [],
      style: plain,
      columns: 120,
      rows: 40,
    }).join('\n');
    expect(frame).toContain('PAUSED');
    expect(frame).toMatch(
      /paused by alice at T-\S+: vendor late — nothing new starts until a lead \(.+\) runs `tminus resume`/,
    );
  });

  it('says when a compressed rehearsal runs at real time, and whom it waits for, then that it does not', () => {
    const held = stateOf(
      { type: 'step.waiting', stepId: ids[1]! },
      { type: 'clock.paced', realMs: T0, speed: 1, waitingFor: 'alice, bob to vote on go-no-go' },
    );
    const frame = (state: typeof held) =>
      renderLiveFrame({ plan, state, now: state.lastAtMs, recent: [], style: plain, columns: 80, rows: 24 });
    expect(frame(held).slice(0, 4)).toContain(
      'clock at real time: waiting for alice, bob to vote on go-no-go',
    );
    const back = stateOf(
      { type: 'clock.paced', realMs: T0, speed: 1, waitingFor: 'alice to vote on go-no-go' },
      { type: 'clock.paced', realMs: T0 + 1000, speed: 20 },
    );
    expect(frame(back).join('\n')).not.toContain('clock at real time');
  });

  it('stops counting down once the run has ended', () => {
    const ended = stateOf({ type: 'run.ended', outcome: 'aborted', reason: 'power cut' });
    const at = (now: number) =>
      renderLiveFrame({ plan, state: ended, now, recent: [], style: plain, columns: 120, rows: 40 }).slice(
        0,
        3,
      );
    const frame = at(ended.lastAtMs);
    expect(frame[0]).toContain('ENDED: aborted');
    expect(frame[1]).not.toMatch(/ in \d/);
    expect(frame[2]).toBe('ended: power cut');
  });
});
