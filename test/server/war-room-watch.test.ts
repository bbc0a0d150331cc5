import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../src/engine/access-tokens.js';
import { startWarRoom } from '../../src/server/war-room-server.js';
import type { WarRoom } from '../../src/server/war-room-server.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { errorRateMeasured, goLiveRun } from './war-room-plan.js';

/** The go-live watch over HTTP: declare success or a manual criterion, answer a fired criterion's decision. */
let dir: string;
let store: SqliteStore;
let room: WarRoom;
const tokens = {} as Record<'alice' | 'bob' | 'frank', string>;
const M = 60_000;
const DECLARE = 'declare-run';
const FIRED = 'fired-run';
const LATE = 'past-ponr-run';
const SUCCESS = 'success-run';
const ENDED = 'ended-run';

async function post(path: string, token: string | undefined, body?: unknown, raw?: string) {
  const res = await fetch(`${room.url}${path}`, {
    method: 'POST',
    headers: {
      ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
      'Content-Type': 'application/json',
    },
    body: raw ?? JSON.stringify(body ?? {}),
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field
  return { status: res.status, json: JSON.parse(text) as any, text };
}

const seqOf = async (runId: string) => (await store.head(runId))?.seq ?? -1;

/** Expects a refusal with this status and code and an unchanged journal; returns the message. */
async function refused(
  runId: string,
  status: number,
  code: string,
  request: () => ReturnType<typeof post>,
): Promise<string> {
  const before = await seqOf(runId);
  const r = await request();
  expect(r.status, r.text).toBe(status);
  expect(r.json.error.code).toBe(code);
  expect(await seqOf(runId)).toBe(before);
  return r.json.error.message as string;
}

const fired = (atMs: number) => ({
  atMs,
  actor: 'system',
  data: { type: 'criterion.fired' as const, criterionId: 'errors', detail: "monitor 'error-rate' is failed" },
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tminus-war-room-watch-'));
  store = SqliteStore.open(join(dir, 'tminus.db'));
  const now = Date.now();
  await store.createRun(DECLARE, goLiveRun(now + 20 * M));
  await store.createRun(FIRED, [
    ...goLiveRun(now - 10 * M),
    errorRateMeasured(1, 0.2, now - 5 * M),
    fired(now - 5 * M),
  ]);
  // T-0 3 h ago, window T+2h, rollback 10m: the point of no return passed 70 minutes ago.
  await store.createRun(LATE, [...goLiveRun(now - 180 * M), fired(now - 100 * M)]);
  await store.createRun(SUCCESS, goLiveRun(now - 10 * M));
  await store.createRun(ENDED, [
    ...goLiveRun(now + 20 * M),
    { atMs: now, actor: 'alice', data: { type: 'run.ended', outcome: 'aborted', reason: 'test' } },
  ]);
  for (const person of ['alice', 'bob'] as const) {
    tokens[person] = (await issueToken(store, { person, role: 'person' }, now)).token;
  }
  tokens.frank = (await issueToken(store, { person: 'frank', role: 'viewer' }, now)).token;
  room = await startWarRoom({ store, port: 0, bind: '127.0.0.1', pollMs: 50 });
}, 60_000);

afterAll(async () => {
  await room?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('war-room API: the go-live watch', () => {
  it('describes the declare and decision routes in /openapi.json from the validating schemas', async () => {
    const doc = (await (await fetch(`${room.url}/openapi.json`)).json()) as {
      paths: Record<string, { post?: { requestBody?: unknown } }>;
      components: { schemas: Record<string, unknown> };
    };
    expect(JSON.stringify(doc.paths['/api/runs/{runId}/declare']?.post?.requestBody)).toContain(
      'DeclareBody',
    );
    expect(
      JSON.stringify(doc.paths['/api/runs/{runId}/criteria/{criterionId}/decision']?.post?.requestBody),
    ).toContain('DecisionBody');
    expect(JSON.stringify(doc.components.schemas.DecisionBody)).toContain('"continue","rollback"');
  });

  it('lets a lead declare a manual criterion, recorded with the token and the client address', async () => {
    const r = await post(`/api/runs/${DECLARE}/declare`, tokens.alice, {
      what: 'criterion',
      criterionId: 'security',
      reason: 'pen-test found the admin page open',
    });
    expect(r.status, r.text).toBe(200);
    expect(r.json.events).toHaveLength(1);
    expect(r.json.events[0]).toMatchObject({
      actor: 'alice',
      type: 'criterion.declared',
      data: { criterionId: 'security', reason: 'pen-test found the admin page open' },
    });
    const [stored] = (await store.readEvents(DECLARE)).slice(-1);
    expect(stored?.data).toMatchObject({
      type: 'criterion.declared',
      origin: { via: 'api', clientAddress: '127.0.0.1' },
    });
    const view = (await (
      await fetch(`${room.url}/api/runs/${DECLARE}`, { headers: { Authorization: `Bearer ${tokens.frank}` } })
    ).json()) as { watch: { criteria: { id: string; manual: boolean }[] } };
    expect(view.watch.criteria.map((c) => [c.id, c.manual])).toEqual([
      ['errors', false],
      ['security', true],
    ]);
  });

  it('refuses malformed declarations with 400, naming each field and quoting the bad value', async () => {
    const path = `/api/runs/${DECLARE}/declare`;
    expect(await refused(DECLARE, 400, 'USAGE', () => post(path, tokens.alice, {}))).toContain('body.what');
    const noReason = await refused(DECLARE, 400, 'USAGE', () =>
      post(path, tokens.alice, { what: 'criterion', criterionId: 'security' }),
    );
    expect(noReason).toContain('body.reason');
    const bad = await refused(DECLARE, 400, 'USAGE', () =>
      post(path, tokens.alice, { what: 'criterion', criterionId: 'Bad Id', reason: 'x', extra: true }),
    );
    expect(bad).toContain('body.criterionId');
    expect(bad).toContain('"Bad Id"');
    expect(bad).toContain("unknown field 'extra'");
    const blank = await refused(DECLARE, 400, 'USAGE', () =>
      post(path, tokens.alice, { what: 'success', reason: '   ' }),
    );
    expect(blank).toContain('body.reason');
    await refused(DECLARE, 400, 'USAGE', () => post(path, tokens.alice, undefined, '{"what": "success"'));
  });

  it('refuses people who are not leads (403) and viewers (403); nothing is appended', async () => {
    const body = { what: 'criterion', criterionId: 'security', reason: 'found again' };
    const m = await refused(DECLARE, 403, 'NOT_ALLOWED', () =>
      post(`/api/runs/${DECLARE}/declare`, tokens.bob, body),
    );
    expect(m).toContain('bob');
    const v = await refused(DECLARE, 403, 'NOT_ALLOWED', () =>
      post(`/api/runs/${DECLARE}/declare`, tokens.frank, body),
    );
    expect(v).toContain('read-only viewer token');
    await refused(DECLARE, 401, 'UNAUTHENTICATED', () =>
      post(`/api/runs/${DECLARE}/declare`, undefined, body),
    );
  });

  it('answers 404 for an unknown criterion (suggesting the near one) and an unknown run', async () => {
    const m = await refused(DECLARE, 404, 'UNKNOWN_STEP', () =>
      post(`/api/runs/${DECLARE}/declare`, tokens.alice, {
        what: 'criterion',
        criterionId: 'securty',
        reason: 'x',
      }),
    );
    expect(m).toContain("no rollback criterion 'securty'");
    const r = await post(`/api/runs/nope/declare`, tokens.alice, { what: 'success', reason: 'x' });
    expect(r.status).toBe(404);
    expect(r.json.error.code).toBe('RUN_NOT_FOUND');
  });

  it('refuses with 409 what the run’s state does not allow: twice, a criterion tminus judges, an ended run', async () => {
    const twice = await refused(DECLARE, 409, 'REFUSED', () =>
      post(`/api/runs/${DECLARE}/declare`, tokens.alice, {
        what: 'criterion',
        criterionId: 'security',
        reason: 'again',
      }),
    );
    expect(twice).toContain('already fired');
    const judged = await refused(DECLARE, 409, 'REFUSED', () =>
      post(`/api/runs/${DECLARE}/declare`, tokens.alice, {
        what: 'criterion',
        criterionId: 'errors',
        reason: 'looks bad',
      }),
    );
    expect(judged).toContain('judged by tminus');
    const ended = await refused(ENDED, 409, 'RUN_ENDED', () =>
      post(`/api/runs/${ENDED}/declare`, tokens.alice, { what: 'success', reason: 'done' }),
    );
    expect(ended).toContain('has ended');
  });

  it('declares success: a reason is needed while monitors still measure; then recorded once', async () => {
    const path = `/api/runs/${SUCCESS}/declare`;
    const m = await refused(SUCCESS, 400, 'USAGE', () => post(path, tokens.alice, { what: 'success' }));
    expect(m).toContain('error-rate still measuring');
    const r = await post(path, tokens.alice, { what: 'success', reason: 'business signed off' });
    expect(r.status, r.text).toBe(200);
    expect(r.json.events[0]).toMatchObject({
      type: 'success.declared',
      actor: 'alice',
      data: { basis: 'person', reason: 'business signed off' },
    });
    const again = await refused(SUCCESS, 409, 'REFUSED', () =>
      post(path, tokens.alice, { what: 'success', reason: 'again' }),
    );
    expect(again).toContain('already declared by alice');
  });

  it('refuses success while a fired criterion awaits its decision (409)', async () => {
    const m = await refused(FIRED, 409, 'REFUSED', () =>
      post(`/api/runs/${FIRED}/declare`, tokens.alice, { what: 'success', reason: 'fine' }),
    );
    expect(m).toContain('await a decision: errors');
  });

  it('answers a pending decision: bad bodies 400, wrong person 403, then continue once (409 after)', async () => {
    const path = `/api/runs/${FIRED}/criteria/errors/decision`;
    const m1 = await refused(FIRED, 400, 'USAGE', () =>
      post(path, tokens.alice, { decision: 'maybe', reason: 'x' }),
    );
    expect(m1).toContain('body.decision');
    expect(m1).toContain('"maybe"');
    expect(
      await refused(FIRED, 400, 'USAGE', () => post(path, tokens.alice, { decision: 'continue' })),
    ).toContain('body.reason');
    await refused(FIRED, 400, 'USAGE', () =>
      post(path, tokens.alice, { decision: 'continue', reason: 'x', override: 'yes' }),
    );
    await refused(FIRED, 400, 'USAGE', () =>
      post(`/api/runs/${FIRED}/criteria/NOT_AN_ID/decision`, tokens.alice, {
        decision: 'continue',
        reason: 'x',
      }),
    );
    await refused(FIRED, 403, 'NOT_ALLOWED', () =>
      post(path, tokens.bob, { decision: 'continue', reason: 'x' }),
    );
    await refused(FIRED, 403, 'NOT_ALLOWED', () =>
      post(path, tokens.frank, { decision: 'continue', reason: 'x' }),
    );
    await refused(FIRED, 404, 'UNKNOWN_STEP', () =>
      post(`/api/runs/${FIRED}/criteria/nope/decision`, tokens.alice, { decision: 'continue', reason: 'x' }),
    );
    const notFired = await refused(FIRED, 409, 'REFUSED', () =>
      post(`/api/runs/${FIRED}/criteria/security/decision`, tokens.alice, {
        decision: 'continue',
        reason: 'x',
      }),
    );
    expect(notFired).toContain('has not fired');
    const r = await post(path, tokens.alice, {
      decision: 'continue',
      reason: 'one tenant only, fixed forward',
    });
    expect(r.status, r.text).toBe(200);
    expect(r.json.events[0]).toMatchObject({
      type: 'decision.made',
      actor: 'alice',
      data: { criterionId: 'errors', decision: 'continue', basis: 'person' },
    });
    const again = await refused(FIRED, 409, 'REFUSED', () =>
      post(path, tokens.alice, { decision: 'rollback', reason: 'changed my mind' }),
    );
    expect(again).toContain('already decided: continue by alice');
  });

  it('rolls back on a decision after the point of no return only with override (409 without)', async () => {
    const path = `/api/runs/${LATE}/criteria/errors/decision`;
    const m = await refused(LATE, 409, 'REFUSED', () =>
      post(path, tokens.alice, { decision: 'rollback', reason: 'errors keep rising' }),
    );
    expect(m).toContain('point of no return passed');
    const r = await post(path, tokens.alice, {
      decision: 'rollback',
      reason: 'errors keep rising',
      override: true,
    });
    expect(r.status, r.text).toBe(200);
    expect(r.json.events.map((e: { type: string }) => e.type)).toEqual(['decision.made', 'rollback.started']);
    expect(r.json.events[0].data).toMatchObject({ decision: 'rollback', override: true });
    const view = (await (
      await fetch(`${room.url}/api/runs/${LATE}`, { headers: { Authorization: `Bearer ${tokens.frank}` } })
    ).json()) as {
      run: { rollback: { by: string } };
      watch: { criteria: { id: string; decision: unknown }[] };
    };
    expect(view.run.rollback.by).toBe('alice');
    expect(view.watch.criteria.find((c) => c.id === 'errors')?.decision).toMatchObject({
      decision: 'rollback',
      by: 'alice',
    });
  });
});
