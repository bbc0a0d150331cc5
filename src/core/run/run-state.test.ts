import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../canonical-json.js';
import type { RunEvent, RunEventData } from './run-event.js';
import { GENESIS_HASH } from './run-event.js';
import { applyEvent, copyState, foldRun, initialState, stepsReopened } from './run-state.js';

let seq = 0;
const e = (data: RunEventData, atMs = 1000, actor = 'system'): RunEvent => ({
  runId: 'r',
  seq: ++seq,
  atMs,
  actor,
  data,
  prevHash: GENESIS_HASH,
  hash: `h${seq}`,
});

const journal = (): RunEvent[] => {
  seq = 0;
  return [
    e({
      type: 'run.started',
      planName: 'p',
      planTitle: 'P',
      planText: '',
      planPath: '/p',
      mode: 'live',
      goLiveMs: 10_000,
      dryRun: false,
      autoApprove: false,
      comms: 'on',
      speed: 1,
      rollbackSteps: ['rb'],
    }),
    e({ type: 'step.started', stepId: 'a', attempt: 1 }, 2000),
    e(
      {
        type: 'step.failed',
        stepId: 'a',
        attempt: 1,
        error: { code: 'X', message: 'boom' },
        retryAtMs: 3000,
      },
      2500,
    ),
    e({ type: 'step.started', stepId: 'a', attempt: 2 }, 3000),
    e({ type: 'step.failed', stepId: 'a', attempt: 2, error: { code: 'X', message: 'boom' } }, 3500),
    e({ type: 'step.waiting', stepId: 'm' }, 3600),
    e({ type: 'gate.voted', gateId: 'g', vote: 'no-go', reason: 'not ready' }, 3700, 'bob'),
    e({ type: 'rollback.started', reason: 'boom twice' }, 4000, 'alice'),
    e({ type: 'step.started', stepId: 'rb', attempt: 1 }, 4100),
  ];
};

describe('the run state fold', () => {
  it('derives step states, holds, votes and rollback from the events alone', () => {
    const s = foldRun(journal());
    expect(s.steps.a).toMatchObject({ status: 'abandoned', attempt: 2, starts: 2, completion: 'abandoned' });
    expect(s.steps.m?.status).toBe('abandoned');
    expect(s.steps.rb).toMatchObject({ status: 'running', attempt: 1 });
    expect(s.gates.g?.votes).toEqual([{ by: 'bob', vote: 'no-go', reason: 'not ready', atMs: 3700 }]);
    expect(s.rollback).toEqual({ startedAtMs: 4000, by: 'alice', reason: 'boom twice' });
    expect(s.lastSeq).toBe(9);
  });

  it('holds a step whose last failure has no retry time', () => {
    const s = foldRun(journal().slice(0, 5));
    expect(s.steps.a).toMatchObject({
      status: 'held',
      hold: 'failed',
      error: { code: 'X', message: 'boom' },
    });
  });

  it('is pure: the same journal folds to the same state, incrementally or at once, and is not modified', () => {
    const events = journal();
    const before = JSON.stringify(events);
    const whole = foldRun(events);
    const step = initialState(events[0]!);
    for (const ev of events) applyEvent(step, ev);
    expect(step).toEqual(whole);
    expect(foldRun(events)).toEqual(whole);
    expect(JSON.stringify(events)).toBe(before);
  });

  it('copies a state that folds on like the original and shares nothing with it', () => {
    const events = [
      ...journal(),
      e({ type: 'step.started', stepId: 'b', attempt: 1 }, 5000),
      e({ type: 'step.succeeded', stepId: 'b', attempt: 1, summary: 'ok' }, 5100),
      e({ type: 'step.retried', stepId: 'b' }, 5200, 'alice'),
    ];
    const half = foldRun(events.slice(0, 4));
    const before = structuredClone(half);
    const copy = copyState(half);
    expect(copy).toEqual(half);
    expect(stepsReopened(copy)).toBe(stepsReopened(half));
    for (const ev of events.slice(4)) applyEvent(copy, ev);
    const whole = foldRun(events);
    expect(copy).toEqual(whole);
    expect(stepsReopened(whole)).toBe(1);
    expect(stepsReopened(copy)).toBe(1);
    expect(half).toEqual(before);
  });

  it('ends the run and abandons whatever was still open', () => {
    const events = [
      ...journal().slice(0, 6),
      e({ type: 'run.ended', outcome: 'aborted', reason: 'stop' }, 5000, 'alice'),
    ];
    const s = foldRun(events);
    expect(s).toMatchObject({ status: 'ended', outcome: 'aborted', endReason: 'stop', endedAtMs: 5000 });
    expect(s.steps.m?.status).toBe('abandoned');
    expect(s.steps.a?.status).toBe('abandoned');
  });

  it('keeps every T-0 when rebaselined', () => {
    const events = [
      ...journal().slice(0, 1),
      e({ type: 'run.rebaselined', goLiveMs: 20_000, previousGoLiveMs: 10_000 }),
    ];
    expect(foldRun(events)).toMatchObject({ goLiveMs: 20_000, goLiveHistory: [10_000, 20_000] });
  });

  it('refuses a journal that does not start with run.started', () => {
    expect(() => foldRun([e({ type: 'run.paused' })])).toThrow('starts with run.started');
    expect(() => foldRun([])).toThrow('empty journal');
  });
});

describe('canonical JSON', () => {
  it('sorts keys at every level and drops undefined members, so equal values hash equally', () => {
    expect(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }], u: undefined })).toBe(
      '{"a":[2,{"c":4,"d":3}],"b":1}',
    );
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
    expect(canonicalJson([undefined, Infinity, 'é'])).toBe('[null,null,"é"]');
  });
});
