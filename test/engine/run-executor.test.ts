import { describe, expect, it } from 'vitest';
import { TminusError } from '../../src/core/tminus-error.js';
import { Redactor } from '../../src/engine/redactor.js';
import { ManualClock } from '../support/manual-clock.js';
import { T0, harness } from '../support/engine-harness.js';
import type { Call } from './test-actions.js';
import { testAction } from './test-actions.js';

const H = 3_600_000;
const M = 60_000;
const roles = `
roles:
  lead: { members: [alice] }
  ops: { members: [bob, dave] }
  dba: { members: [carol] }`;

describe('the run executor', () => {
  it('starts tasks after their dependencies, no earlier than their phase, one phase after the other', async () => {
    const calls: Call[] = [];
    const h = await harness(
      `version: 1
name: order
${roles}
phases:
  - id: one
    at: T-2h
    tasks:
      - { id: a, owner: ops, action: t, with: { ms: 600000 } }
      - { id: b, owner: ops, action: t, with: { ms: 60000 }, after: [a] }
  - id: two
    at: T-1h30m
    tasks:
      - { id: c, owner: ops, action: t, with: { ms: 1000 } }
`,
      { actions: [testAction('t', false, calls)] },
    );
    expect(await h.outcome()).toBe('completed');
    expect(calls.map((c) => [c.stepId, (c.at - T0) / M])).toEqual([
      ['a', -120],
      ['b', -110],
      ['c', -90],
    ]);
  });

  it('waits for the barrier when the previous phase runs late', async () => {
    const calls: Call[] = [];
    const h = await harness(
      `version: 1
name: late
${roles}
phases:
  - { id: one, at: T-2h, tasks: [{ id: a, owner: ops, action: t, with: { ms: 5400000 } }] }
  - { id: two, at: T-1h, tasks: [{ id: c, owner: ops, action: t, with: { ms: 1000 } }] }
`,
      { actions: [testAction('t', false, calls)] },
    );
    await h.outcome();
    expect((calls[1]!.at - T0) / M).toBe(-30);
  });

  it('never runs more automated tasks at once than defaults.concurrency', async () => {
    let running = 0;
    let peak = 0;
    const calls: Call[] = [];
    const h = await harness(
      `version: 1
name: conc
defaults: { concurrency: 2 }
${roles}
phases:
  - id: p
    at: T-0
    tasks: [${[1, 2, 3, 4, 5].map((i) => `{ id: t${i}, owner: ops, action: t }`).join(', ')}]
`,
      {
        actions: [
          testAction('t', false, calls, async (ctx) => {
            running++;
            peak = Math.max(peak, running);
            await ctx.clock.sleep(M, ctx.signal);
            running--;
            return { summary: 'ok' };
          }),
        ],
      },
    );
    expect(await h.outcome()).toBe('completed');
    expect(calls).toHaveLength(5);
    expect(peak).toBe(2);
  });

  it('retries with backoff multiplied by the factor and capped by maxBackoff, then holds the step', async () => {
    const calls: Call[] = [];
    const h = await harness(
      `version: 1
name: retry
${roles}
phases:
  - id: p
    at: T-0
    tasks:
      - id: flaky
        owner: ops
        action: t
        with: { ms: 0, fail: ACTION_FAILED }
        retry: { attempts: 4, backoff: 10s, factor: 3, maxBackoff: 1m }
`,
      { actions: [testAction('t', false, calls)] },
    );
    await h.driveUntil(() => h.state.steps.flaky?.status === 'held');
    expect(calls.map((c) => (c.at - T0) / 1000)).toEqual([0, 10, 40, 100]);
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3, 4]);
    expect(h.state.steps.flaky?.hold).toBe('failed');
    expect(h.state.status).toBe('running');
  });

  it('never retries a non-retryable error or a code listed in nonRetryable', async () => {
    const calls: Call[] = [];
    const h = await harness(
      `version: 1
name: nonretry
${roles}
phases:
  - id: p
    at: T-0
    tasks:
      - { id: a, owner: ops, action: t, with: { ms: 0, fail: 'NOPE!' }, retry: { attempts: 5, backoff: 1s } }
      - { id: b, owner: ops, action: t, with: { ms: 0, fail: TIMEOUT }, retry: { attempts: 5, backoff: 1s, nonRetryable: [TIMEOUT] } }
`,
      { actions: [testAction('t', false, calls)] },
    );
    await h.driveUntil(() => h.state.steps.a?.status === 'held' && h.state.steps.b?.status === 'held');
    expect(calls.map((c) => c.stepId).sort()).toEqual(['a', 'b']);
  });

  it('aborts an action at its timeout through its signal and counts that as a retryable failure', async () => {
    const calls: Call[] = [];
    let sawAbort = false;
    const h = await harness(
      `version: 1
name: timeout
${roles}
phases:
  - id: p
    at: T-0
    tasks:
      - { id: slow, owner: ops, action: t, timeout: 5m, retry: { attempts: 2, backoff: 1m } }
`,
      {
        actions: [
          testAction('t', false, calls, async (ctx) => {
            try {
              await ctx.clock.sleep(H, ctx.signal);
            } catch (error) {
              sawAbort = ctx.signal.aborted;
              throw error;
            }
            return { summary: 'never' };
          }),
        ],
      },
    );
    await h.driveUntil(() => h.state.steps.slow?.status === 'held');
    expect(sawAbort).toBe(true);
    expect(calls.map((c) => (c.at - T0) / M)).toEqual([0, 6]);
    expect(h.state.steps.slow?.error?.code).toBe('TIMEOUT');
  });

  it('measures action timeouts on the timeout clock (real time in a sped-up rehearsal), not the run clock', async () => {
    const real = new ManualClock(0);
    const h = await harness(
      `version: 1
name: realtimeout
${roles}
phases:
  - { id: p, at: T-0, tasks: [{ id: slow, owner: ops, action: t, with: { ms: 36000000 }, timeout: 5m }] }
`,
      { actions: [testAction('t', false, [])], timeoutClock: real },
    );
    await h.driveUntil(() => h.state.steps.slow?.status === 'running');
    await h.advance(H);
    expect(h.state.steps.slow?.status).toBe('running');
    real.advanceTo(5 * M);
    await h.flush();
    expect(h.state.steps.slow).toMatchObject({ status: 'held', error: { code: 'TIMEOUT' } });
  });

  it('holds a failed branch for its owner while other branches keep going, then continues after a retry', async () => {
    const calls: Call[] = [];
    let failFirst = true;
    const h = await harness(
      `version: 1
name: hold
${roles}
phases:
  - id: p
    at: T-0
    tasks:
      - { id: a, owner: dba, action: t }
      - { id: a-next, owner: dba, action: t, after: [a] }
      - { id: b, owner: ops, action: t, with: { ms: 600000 } }
      - { id: b-next, owner: ops, action: t, after: [b] }
`,
      {
        actions: [
          testAction('t', false, calls, async (ctx, p) => {
            await ctx.clock.sleep(p.ms ?? 1000, ctx.signal);
            if (ctx.run.stepId === 'a' && failFirst) {
              failFirst = false;
              throw new TminusError('ACTION_FAILED', 'disk full');
            }
            return { summary: 'ok' };
          }),
        ],
      },
    );
    await h.driveUntil(() => h.state.steps['b-next']?.status === 'succeeded');
    expect(h.state.steps.a?.status).toBe('held');
    expect(h.state.steps['a-next']).toBeUndefined();
    await expect(h.act('bob', { kind: 'retry', stepId: 'a' })).rejects.toMatchObject({ code: 'NOT_ALLOWED' });
    await h.act('carol', { kind: 'retry', stepId: 'a' });
    expect(await h.outcome()).toBe('completed');
    expect(calls.filter((c) => c.stepId === 'a').map((c) => c.attempt)).toEqual([1, 2]);
  });

  it('lets the owner skip a held step with a reason, which unblocks what depends on it', async () => {
    const calls: Call[] = [];
    const h = await harness(
      `version: 1
name: skip
${roles}
phases:
  - id: p
    at: T-0
    tasks:
      - { id: a, owner: dba, action: t, with: { fail: 'NOPE!' } }
      - { id: a-next, owner: dba, action: t, after: [a] }
`,
      { actions: [testAction('t', false, calls)] },
    );
    await h.driveUntil(() => h.state.steps.a?.status === 'held');
    await expect(h.act('carol', { kind: 'skip', stepId: 'a' })).rejects.toMatchObject({ code: 'USAGE' });
    await h.act('carol', { kind: 'skip', stepId: 'a', reason: 'done by hand' });
    expect(await h.outcome()).toBe('completed');
    expect(h.state.steps.a).toMatchObject({
      status: 'skipped',
      completion: 'skipped',
      reason: 'done by hand',
      by: 'carol',
    });
  });

  it('finishes a wait task at its time and a condition wait once its check passes', async () => {
    let checks = 0;
    const h = await harness(
      `version: 1
name: waits
${roles}
phases:
  - id: p
    at: T-1h
    tasks:
      - { id: until, type: wait, until: T-30m }
      - { id: cond, type: wait, condition: { action: c, interval: 2m }, after: [until] }
`,
      {
        actions: [
          testAction('c', true, [], () => {
            checks++;
            if (checks < 3) throw new TminusError('ACTION_FAILED', 'lag 30s');
            return { summary: 'lag 1s' };
          }),
        ],
      },
    );
    expect(await h.outcome()).toBe('completed');
    expect((h.state.steps.until!.endedAtMs! - T0) / M).toBe(-30);
    expect((h.state.steps.cond!.endedAtMs! - T0) / M).toBe(-26);
    expect(h.state.steps.cond?.summary).toContain('condition met after 3 check(s)');
  });

  it('leaves the loop asleep through a chain of instant steps, yet a wait, its dependent and the next phase start on time', async () => {
    // Each success's append carries the next start and keeps the decision: the loop is then not woken
    // (nothing would change) — it must still wake by itself for the wait, which is due meanwhile.
    const calls: Call[] = [];
    const h = await harness(
      `version: 1
name: asleep
${roles}
phases:
  - id: p
    at: T-1h
    tasks:
      - { id: w, type: wait, until: T-50m }
${['a', 'b', 'c', 'd', 'e', 'f']
  .map(
    (id, i) =>
      `      - { id: ${id}, owner: ops, action: t${i === 0 ? '' : `, after: [${'abcdef'[i - 1]}]`} }`,
  )
  .join('\n')}
      - { id: g, owner: ops, action: t, after: [w, f] }
  - id: q
    at: T-40m
    tasks: [{ id: h, owner: ops, action: t }]
`,
      { actions: [testAction('t', false, calls, () => ({ summary: 'done at once' }))] },
    );
    expect(await h.outcome()).toBe('completed');
    expect(calls.map((c) => [c.stepId, (c.at - T0) / M])).toEqual([
      ['a', -60],
      ['b', -60],
      ['c', -60],
      ['d', -60],
      ['e', -60],
      ['f', -60],
      ['g', -50],
      ['h', -40],
    ]);
    expect((h.state.steps.w!.endedAtMs! - T0) / M).toBe(-50);
  });

  it('runs a rehearsal with --auto-approve, recording every automatic decision under actor auto', async () => {
    const h = await harness(
      `version: 1
name: auto
${roles}
checklist:
  comms: [{ id: informed, title: Users informed, owner: lead }]
phases:
  - id: p
    at: T-0
    tasks:
      - { id: gate, type: gate, voters: [lead, ops], requires: [checklist] }
      - { id: manual, owner: ops, after: [gate] }
`,
      { autoApprove: true },
    );
    expect(await h.outcome()).toBe('completed');
    const autos = (await h.events()).filter((e) => e.actor === 'auto').map((e) => e.data.type);
    expect(autos).toEqual(['check.signed', 'gate.decided', 'step.completed']);
    expect(h.state.steps.manual?.completion).toBe('auto');
  });

  it('records each action plan in a dry run and executes nothing', async () => {
    const calls: Call[] = [];
    const h = await harness(
      `version: 1
name: dry
${roles}
phases:
  - { id: p, at: T-0, tasks: [{ id: a, owner: ops, action: t, with: { text: switch DNS } }] }
`,
      { actions: [testAction('t', false, calls)], dryRun: true },
    );
    expect(await h.outcome()).toBe('completed');
    expect(calls).toHaveLength(0);
    expect(h.state.steps.a?.summary).toBe('dry run: would do switch DNS');
    expect(h.state.steps.a?.output).toMatchObject({ dryRun: true, changes: [{ target: 'x', to: 'y' }] });
  });

  it('refuses to start a run whose plan uses an action that is not registered', async () => {
    await expect(
      harness(`version: 1
name: missing
${roles}
connections: { x: { kind: postgres, url: '\${env:X}' } }
phases:
  - { id: p, at: T-0, tasks: [{ id: a, owner: ops, action: sql.query, with: { connection: x } }] }
`),
    ).rejects.toMatchObject({
      code: 'ACTION_MISSING',
      message: expect.stringContaining('sql.query') as string,
    });
  });

  it('resolves secret references right before execute and masks their values in everything stored', async () => {
    const calls: Call[] = [];
    const h = await harness(
      `version: 1
name: secret
${roles}
phases:
  - id: p
    at: T-0
    tasks:
      - { id: a, owner: ops, action: t, with: { text: '\${env:API_TOKEN}' } }
      - { id: b, owner: ops, action: t, with: { text: '\${env:NOT_SET}' }, retry: { attempts: 3 } }
`,
      {
        actions: [testAction('t', false, calls)],
        env: { API_TOKEN: 's3cr3t-token-value' },
        redactor: new Redactor(),
      },
    );
    await h.driveUntil(() => h.state.steps.b?.status === 'held' && h.state.steps.a?.status === 'succeeded');
    expect(calls[0]?.params.text).toBe('s3cr3t-token-value');
    const stored = JSON.stringify(await h.events());
    expect(stored).not.toContain('s3cr3t-token-value');
    expect(h.state.steps.a?.summary).toBe('did ***');
    expect(h.state.steps.b?.error).toMatchObject({ code: 'SECRET_UNRESOLVED' });
    expect(h.state.steps.b?.error?.message).toContain('NOT_SET');
    expect(h.state.steps.b?.attempt).toBe(1);
  });
});

describe('resuming after a crash', () => {
  const plan = (idem: string) => `version: 1
name: crash
${roles}
phases:
  - id: p
    at: T-0
    tasks:
      - { id: a, owner: ops, action: t, with: { ms: 600000 }${idem} }
`;

  it('holds a non-idempotent step that was running as outcome unknown, for its owner to settle', async () => {
    const calls: Call[] = [];
    const h = await harness(plan(''), { actions: [testAction('t', false, calls)] });
    await h.driveUntil(() => h.state.steps.a?.status === 'running');
    await h.crashAndResume();
    expect(h.state.steps.a).toMatchObject({ status: 'held', hold: 'outcome-unknown' });
    await h.advance(H);
    expect(calls).toHaveLength(1);
    await h.act('bob', { kind: 'complete', stepId: 'a', reason: 'it ran; checked the logs' });
    expect(await h.outcome()).toBe('completed');
    expect(calls).toHaveLength(1);
  });

  it('runs an idempotent step again, and a task-level idempotent: true overrides the action', async () => {
    for (const [action, override] of [
      [true, ''],
      [false, ', idempotent: true'],
    ] as const) {
      const calls: Call[] = [];
      const h = await harness(plan(override), { actions: [testAction('t', action, calls)] });
      await h.driveUntil(() => h.state.steps.a?.status === 'running');
      await h.crashAndResume();
      expect(await h.outcome()).toBe('completed');
      expect(calls.map((c) => c.attempt)).toEqual([1, 2]);
    }
  });

  it('keeps timers across a restart because they come from the journal and the clock', async () => {
    const calls: Call[] = [];
    const h = await harness(
      `version: 1
name: timers
${roles}
phases:
  - { id: p, at: T-0, tasks: [{ id: a, owner: ops, action: t, with: { ms: 0, fail: ACTION_FAILED }, retry: { attempts: 2, backoff: 10m } }] }
  - { id: q, at: T+2h, tasks: [{ id: b, owner: ops, action: t, with: { ms: 0 } }] }
`,
      { actions: [testAction('t', false, calls)] },
    );
    await h.driveUntil(() => h.state.steps.a?.status === 'retrying');
    await h.crashAndResume();
    await h.driveUntil(() => h.state.steps.a?.status === 'held');
    await h.act('bob', { kind: 'skip', stepId: 'a', reason: 'not needed' });
    await h.crashAndResume();
    expect(await h.outcome()).toBe('completed');
    expect(calls.map((c) => [c.stepId, (c.at - T0) / M])).toEqual([
      ['a', 0],
      ['a', 10],
      ['b', 120],
    ]);
  });
});

describe('the run executor, appends', () => {
  it("records a step's success and the starts of the steps it unblocks in one append", async () => {
    const calls: Call[] = [];
    const h = await harness(
      `version: 1
name: chain
${roles}
phases:
  - id: one
    at: T-1h
    tasks:
      - { id: a, owner: ops, action: t, with: { ms: 1000 } }
      - { id: b, owner: ops, action: t, with: { ms: 1000 }, after: [a] }
      - { id: c, owner: ops, action: t, with: { ms: 1000 }, after: [a] }
      - { id: d, owner: ops, action: t, with: { ms: 1000 }, after: [b, c] }
`,
      { actions: [testAction('t', false, calls)] },
    );
    const appends: string[][] = [];
    const append = h.store.append.bind(h.store);
    h.store.append = (runId, expectedSeq, events, fence) => {
      appends.push(events.map((e) => `${e.data.type}${'stepId' in e.data ? ` ${e.data.stepId}` : ''}`));
      return append(runId, expectedSeq, events, fence);
    };
    expect(await h.outcome()).toBe('completed');
    expect(calls.map((c) => c.stepId)).toEqual(['a', 'b', 'c', 'd']);
    expect(appends).toContainEqual(['step.succeeded a', 'step.started b', 'step.started c']);
    // d waits for both: it starts in the append of whichever of b and c succeeds last, never before.
    const dStarted = appends.find((batch) => batch.includes('step.started d'));
    expect(dStarted?.[0]).toMatch(/^step\.succeeded [bc]$/);
    const events = await h.events();
    const startOf = (id: string) =>
      events.findIndex((e) => e.data.type === 'step.started' && e.data.stepId === id);
    const successOf = (id: string) =>
      events.findIndex((e) => e.data.type === 'step.succeeded' && e.data.stepId === id);
    expect(startOf('d')).toBeGreaterThan(Math.max(successOf('b'), successOf('c')));
  });
});
