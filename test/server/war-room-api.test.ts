import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createParser } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../src/engine/access-tokens.js';
import { startWarRoom } from '../../src/server/war-room-server.js';
import type { WarRoom } from '../../src/server/war-room-server.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { warRoomRun } from './war-room-plan.js';

let dir: string;
let store: SqliteStore;
let room: WarRoom;
let wall = Date.now();
type Who = 'alice' | 'bob' | 'carol' | 'dave' | 'mallory' | 'frank' | 'expiring' | 'revoked';
const tokens = {} as Record<Who, string>;
const RUN = 'open-run';
const LATE = 'late-gate-run';
const ENDED = 'ended-run';

async function api(
  method: string,
  path: string,
  options: {
    token?: string | undefined;
    body?: unknown;
    raw?: string;
    headers?: Record<string, string>;
  } = {},
) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;
  if (options.body !== undefined || options.raw !== undefined) headers['Content-Type'] ??= 'application/json';
  const res = await fetch(`${room.url}${path}`, {
    method,
    headers,
    ...(options.raw !== undefined
      ? { body: options.raw }
      : options.body !== undefined
        ? { body: JSON.stringify(options.body) }
        : {}),
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

const seqOf = async (runId: string) => (await store.head(runId))?.seq ?? -1;

/** Expects a refusal with this status and code, and that the journal did not change. */
async function refused(
  runId: string,
  status: number,
  code: string,
  request: () => ReturnType<typeof api>,
): Promise<string> {
  const before = await seqOf(runId);
  const r = await request();
  expect(r.status, r.text).toBe(status);
  expect(r.json.error.code).toBe(code);
  expect(await seqOf(runId)).toBe(before);
  return r.json.error.message as string;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tminus-war-room-'));
  store = SqliteStore.open(join(dir, 'tminus.db'));
  const now = Date.now();
  wall = now;
  await store.createRun(RUN, warRoomRun(now + 20 * 60_000));
  await store.createRun(LATE, warRoomRun(now - 60_000));
  const ended = warRoomRun(now + 20 * 60_000);
  await store.createRun(ENDED, [
    ...ended,
    { atMs: now, actor: 'alice', data: { type: 'run.ended', outcome: 'aborted', reason: 'test' } },
  ]);
  for (const person of ['alice', 'bob', 'carol', 'dave', 'mallory'] as const) {
    tokens[person] = (await issueToken(store, { person, role: 'person' }, now)).token;
  }
  tokens.frank = (await issueToken(store, { person: 'frank', role: 'viewer' }, now)).token;
  tokens.expiring = (
    await issueToken(store, { person: 'bob', role: 'person', expiresInMs: 60_000 }, now)
  ).token;
  const revoked = await issueToken(store, { person: 'bob', role: 'person' }, now);
  await store.revokeToken(revoked.record.id, now);
  tokens.revoked = revoked.token;
  room = await startWarRoom({ store, port: 0, bind: '127.0.0.1', realNow: () => wall, pollMs: 50 });
}, 60_000);

afterAll(async () => {
  await room?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('war-room API: the public routes', () => {
  it('answers /healthz without a token', async () => {
    const r = await api('GET', '/healthz');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ ok: true });
  });

  it('describes every route in /openapi.json, generated from the validating schemas', async () => {
    const r = await api('GET', '/openapi.json');
    expect(r.status).toBe(200);
    const paths = Object.keys(r.json.paths);
    for (const p of [
      '/api/me',
      '/api/runs',
      '/api/runs/{runId}',
      '/api/runs/{runId}/tasks',
      '/api/runs/{runId}/events',
      '/api/runs/{runId}/stream',
      '/api/runs/{runId}/tasks/{taskId}/{act}',
      '/api/runs/{runId}/gates/{gateId}/votes',
      '/api/runs/{runId}/checklist/{itemId}/sign',
      '/api/runs/{runId}/rollback',
      '/api/runs/{runId}/rebaseline',
      '/api/runs/{runId}/checks',
      '/api/runs/{runId}/phases/{phaseId}/pull',
      '/api/runs/{runId}/{act}',
    ]) {
      expect(paths).toContain(p);
    }
    const vote = r.json.paths['/api/runs/{runId}/gates/{gateId}/votes'].post;
    expect(JSON.stringify(vote.requestBody)).toContain('VoteBody');
    expect(r.json.components.schemas.VoteBody.properties.vote.enum).toEqual(['go', 'no-go']);
  });
});

describe('war-room API: tokens', () => {
  it('refuses a request without a token, saying how to send one', async () => {
    const r = await api('GET', '/api/runs');
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toContain('Bearer');
    expect(r.json.error.message).toContain('Authorization: Bearer');
  });

  it('refuses a malformed Authorization header and a malformed token', async () => {
    const a = await api('GET', '/api/runs', { headers: { Authorization: 'Basic YWxpY2U6eA==' } });
    expect(a.status).toBe(401);
    expect(a.json.error.message).toContain('"Bearer <token>"');
    const b = await api('GET', '/api/runs', { token: 'hunter2' });
    expect(b.status).toBe(401);
    expect(b.json.error.message).toContain('malformed');
  });

  it('refuses an unknown token and one whose secret is wrong, without echoing the secret', async () => {
    const real = tokens.alice;
    const forged = real.slice(0, -4) + (real.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const r = await api('GET', '/api/runs', { token: forged });
    expect(r.status).toBe(401);
    expect(r.json.error.message).toMatch(/^token [a-z0-9]{10} is not valid$/);
    expect(r.text).not.toContain(forged.slice('tmn_'.length + 11));
  });

  it('refuses a revoked token, naming when', async () => {
    const r = await api('GET', '/api/runs', { token: tokens.revoked });
    expect(r.status).toBe(401);
    expect(r.json.error.message).toMatch(/\(bob\) was revoked at \d{4}-/);
  });

  it('accepts a token until it expires, then refuses it', async () => {
    expect((await api('GET', '/api/me', { token: tokens.expiring })).status).toBe(200);
    wall += 61_000;
    try {
      const r = await api('GET', '/api/me', { token: tokens.expiring });
      expect(r.status).toBe(401);
      expect(r.json.error.message).toMatch(/\(bob\) expired at/);
    } finally {
      wall -= 61_000;
    }
  });

  it('says who the token stands for', async () => {
    const r = await api('GET', '/api/me', { token: tokens.frank });
    expect(r.json).toMatchObject({ person: 'frank', role: 'viewer' });
  });
});

describe('war-room API: reading a run', () => {
  it('lists runs', async () => {
    const r = await api('GET', '/api/runs', { token: tokens.frank });
    expect(r.status).toBe(200);
    expect(r.json.runs.map((x: { runId: string }) => x.runId).sort()).toEqual([ENDED, LATE, RUN].sort());
  });

  it('shows the run: tasks with state, owner, who may act, planned times, the critical path and who owes what', async () => {
    const r = await api('GET', `/api/runs/${RUN}`, { token: tokens.frank });
    expect(r.status).toBe(200);
    const stop = r.json.tasks.find((t: { id: string }) => t.id === 'stop-jobs');
    expect(stop).toMatchObject({ owner: 'tech', actors: ['bob', 'dave'], kind: 'manual' });
    expect(stop.state.status).toBe('waiting');
    expect(r.json.schedule.criticalPath).toEqual(expect.arrayContaining(['stop-jobs', 'backup', 'switch']));
    expect(r.json.schedule.pointOfNoReturnMs).toBeTypeOf('number');
    expect(r.json.owed.map((o: { step: string }) => o.step)).toEqual(
      expect.arrayContaining(['go-no-go', 'stop-jobs']),
    );
    const tasks = await api('GET', `/api/runs/${RUN}/tasks`, { token: tokens.frank });
    expect(tasks.json.tasks).toHaveLength(4);
    expect(tasks.json.rollbackSteps[0].id).toBe('switch-back');
  });

  it('answers 404 naming an unknown run and listing known ones', async () => {
    const r = await api('GET', '/api/runs/nope', { token: tokens.alice });
    expect(r.status).toBe(404);
    expect(r.json.error.message).toContain("no run 'nope'");
    expect(r.json.error.hint).toContain(RUN);
  });

  it('pages through the events and rejects a bad page, naming the parameter and the value', async () => {
    const all = await api('GET', `/api/runs/${RUN}/events`, { token: tokens.frank });
    expect(all.json.map((e: { seq: number }) => e.seq)).toEqual(
      [1, 2, 3].concat(all.json.slice(3).map((e: { seq: number }) => e.seq)),
    );
    expect(all.json[0].data.planText).toBeUndefined();
    const page = await api('GET', `/api/runs/${RUN}/events?after=1&limit=1`, { token: tokens.frank });
    expect(page.json).toHaveLength(1);
    expect(page.json[0]).toMatchObject({
      seq: 2,
      type: 'step.waiting',
      text: 'go-no-go: waiting for people',
    });
    const bad = await api('GET', `/api/runs/${RUN}/events?after=-3`, { token: tokens.frank });
    expect(bad.status).toBe(400);
    expect(bad.json.error.issues[0].where).toBe('query.after');
    expect(bad.json.error.message).toContain('"-3"');
  });

  it('serves Prometheus metrics: steps by state, seconds to T-0 and to the point of no return', async () => {
    const r = await api('GET', '/metrics', { token: tokens.frank });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    expect(r.text).toMatch(new RegExp(`tminus_steps\\{run="${RUN}",state="waiting"\\} 2`));
    const toT0 = Number(new RegExp(`tminus_seconds_to_go_live\\{run="${RUN}"\\} (\\S+)`).exec(r.text)?.[1]);
    expect(toT0).toBeGreaterThan(15 * 60);
    expect(toT0).toBeLessThanOrEqual(20 * 60);
    expect(r.text).toMatch(new RegExp(`tminus_seconds_to_point_of_no_return\\{run="${RUN}"\\} \\d`));
    expect((await api('GET', '/metrics')).status).toBe(401);
  });
});

describe('war-room API: acting as a person', () => {
  it('refuses bad bodies with 400, naming each field and quoting the bad value; nothing is appended', async () => {
    const path = `/api/runs/${RUN}/gates/go-no-go/votes`;
    const m1 = await refused(RUN, 400, 'USAGE', () =>
      api('POST', path, { token: tokens.alice, body: { vote: 'maybe', extra: 1 } }),
    );
    expect(m1).toContain('body.vote');
    expect(m1).toContain('"maybe"');
    expect(m1).toContain("unknown field 'extra'");
    const m2 = await refused(RUN, 400, 'USAGE', () =>
      api('POST', path, { token: tokens.alice, raw: '{"vote": "go"' }),
    );
    expect(m2).toContain('Malformed JSON');
    const m3 = await refused(RUN, 400, 'USAGE', () =>
      api('POST', path, { token: tokens.alice, body: { vote: 'no-go' } }),
    );
    expect(m3).toContain('no-go vote needs a reason');
    const m4 = await refused(RUN, 400, 'USAGE', () =>
      api('POST', `/api/runs/${RUN}/rollback`, { token: tokens.alice, body: {} }),
    );
    expect(m4).toContain('body.reason');
    const m5 = await refused(RUN, 400, 'USAGE', () =>
      api('POST', `/api/runs/${RUN}/rebaseline`, { token: tokens.alice, body: { goLive: 'tomorrow' } }),
    );
    expect(m5).toContain('body.goLive');
    expect(m5).toContain('"tomorrow"');
    const m6 = await refused(RUN, 400, 'USAGE', () =>
      api('POST', `/api/runs/${RUN}/tasks/stop-jobs/explode`, { token: tokens.bob, body: {} }),
    );
    expect(m6).toContain('path.act');
  });

  it('refuses a body that is not JSON (415) and writes from another origin (403)', async () => {
    const before = await seqOf(RUN);
    const r = await api('POST', `/api/runs/${RUN}/tasks/stop-jobs/complete`, {
      token: tokens.bob,
      raw: 'reason=x',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(r.status).toBe(415);
    await refused(RUN, 403, 'FORBIDDEN_ORIGIN', () =>
      api('POST', `/api/runs/${RUN}/tasks/stop-jobs/complete`, {
        token: tokens.bob,
        body: {},
        headers: { Origin: 'https://evil.example' },
      }),
    );
    expect(await seqOf(RUN)).toBe(before);
  });

  it('refuses an unknown task, gate, item and phase with 404 and a suggestion', async () => {
    const m = await refused(RUN, 404, 'UNKNOWN_STEP', () =>
      api('POST', `/api/runs/${RUN}/tasks/stop-job/complete`, { token: tokens.bob, body: {} }),
    );
    expect(m).toContain("no task or rollback step 'stop-job'");
    const r = await api('POST', `/api/runs/${RUN}/tasks/stop-job/complete`, { token: tokens.bob, body: {} });
    expect(r.json.error.hint).toContain("did you mean 'stop-jobs'?");
    await refused(RUN, 404, 'UNKNOWN_STEP', () =>
      api('POST', `/api/runs/${RUN}/gates/go/votes`, { token: tokens.alice, body: { vote: 'go' } }),
    );
    await refused(RUN, 404, 'UNKNOWN_STEP', () =>
      api('POST', `/api/runs/${RUN}/checklist/nope/sign`, { token: tokens.alice }),
    );
    await refused(RUN, 404, 'UNKNOWN_STEP', () =>
      api('POST', `/api/runs/${RUN}/phases/nope/pull`, { token: tokens.alice }),
    );
    await refused('nope', 404, 'RUN_NOT_FOUND', () =>
      api('POST', '/api/runs/nope/pause', { token: tokens.alice }),
    );
  });

  it('role-checks exactly as the CLI: the message names the role and who holds it', async () => {
    const m = await refused(RUN, 403, 'NOT_ALLOWED', () =>
      api('POST', `/api/runs/${RUN}/tasks/stop-jobs/complete`, { token: tokens.carol, body: {} }),
    );
    expect(m).toBe("carol may not complete 'stop-jobs': it needs a member of role 'tech' (tech: bob, dave)");
    const v = await refused(RUN, 403, 'NOT_ALLOWED', () =>
      api('POST', `/api/runs/${RUN}/gates/go-no-go/votes`, { token: tokens.carol, body: { vote: 'go' } }),
    );
    expect(v).toContain("carol may not vote on 'go-no-go'");
    const x = await refused(RUN, 403, 'NOT_ALLOWED', () =>
      api('POST', `/api/runs/${RUN}/pause`, { token: tokens.mallory }),
    );
    expect(x).toContain("'mallory' is not a member of any role");
    await refused(RUN, 403, 'NOT_ALLOWED', () =>
      api('POST', `/api/runs/${RUN}/rollback`, { token: tokens.bob, body: { reason: 'x' } }),
    );
    await refused(RUN, 403, 'NOT_ALLOWED', () =>
      api('POST', `/api/runs/${RUN}/checklist/users-informed/sign`, { token: tokens.bob }),
    );
  });

  it('lets a viewer token read everything and change nothing', async () => {
    expect((await api('GET', `/api/runs/${RUN}`, { token: tokens.frank })).status).toBe(200);
    expect((await api('GET', `/api/runs/${RUN}/events`, { token: tokens.frank })).status).toBe(200);
    const m = await refused(RUN, 403, 'NOT_ALLOWED', () =>
      api('POST', `/api/runs/${RUN}/gates/go-no-go/votes`, { token: tokens.frank, body: { vote: 'go' } }),
    );
    expect(m).toContain('read-only viewer token');
    await refused(RUN, 403, 'NOT_ALLOWED', () =>
      api('POST', `/api/runs/${RUN}/rollback`, { token: tokens.frank, body: { reason: 'x' } }),
    );
  });

  it('completes a manual task as the token’s person and records it under that person', async () => {
    const r = await api('POST', `/api/runs/${RUN}/tasks/stop-jobs/complete`, {
      token: tokens.bob,
      body: { reason: 'cron stopped' },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.json.events).toHaveLength(1);
    expect(r.json.events[0]).toMatchObject({
      actor: 'bob',
      type: 'step.completed',
      text: 'stop-jobs: completed by bob — cron stopped',
    });
    const [stored] = await store.readEvents(RUN, r.json.events[0].seq - 1, 1);
    expect(stored?.data.origin).toMatchObject({
      via: 'api',
      tokenId: tokens.bob.slice(4, 14),
      clientAddress: '127.0.0.1',
    });
    expect(stored).toMatchObject({
      actor: 'bob',
      data: { type: 'step.completed', stepId: 'stop-jobs', reason: 'cron stopped' },
    });
    const again = await refused(RUN, 409, 'REFUSED', () =>
      api('POST', `/api/runs/${RUN}/tasks/stop-jobs/complete`, { token: tokens.dave, body: {} }),
    );
    expect(again).toBe("'stop-jobs' is already succeeded (by bob)");
    const view = await api('GET', `/api/runs/${RUN}`, { token: tokens.frank });
    expect(view.json.tasks.find((t: { id: string }) => t.id === 'stop-jobs').state).toMatchObject({
      status: 'succeeded',
      by: 'bob',
    });
  });

  it('refuses to skip without a reason', async () => {
    const m = await refused(RUN, 400, 'USAGE', () =>
      api('POST', `/api/runs/${RUN}/tasks/backup/skip`, { token: tokens.carol, body: {} }),
    );
    expect(m).toContain("skipping 'backup' needs a reason");
  });

  it('records votes, one per person', async () => {
    const r = await api('POST', `/api/runs/${RUN}/gates/go-no-go/votes`, {
      token: tokens.alice,
      body: { vote: 'go' },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.json.events[0].text).toBe('go-no-go: alice votes go');
    const m = await refused(RUN, 409, 'REFUSED', () =>
      api('POST', `/api/runs/${RUN}/gates/go-no-go/votes`, {
        token: tokens.alice,
        body: { vote: 'no-go', reason: 'changed my mind' },
      }),
    );
    expect(m).toContain('alice already voted go');
  });

  it('refuses a vote after the gate’s deadline', async () => {
    const m = await refused(LATE, 409, 'REFUSED', () =>
      api('POST', `/api/runs/${LATE}/gates/go-no-go/votes`, { token: tokens.bob, body: { vote: 'go' } }),
    );
    expect(m).toContain("voting on 'go-no-go' closed at its deadline T-10m");
  });

  it('signs off a checklist item, pauses and resumes', async () => {
    const s = await api('POST', `/api/runs/${RUN}/checklist/users-informed/sign`, {
      token: tokens.alice,
      body: { note: 'mail sent' },
    });
    expect(s.status, s.text).toBe(200);
    expect(s.json.events[0]).toMatchObject({ type: 'check.signed', actor: 'alice' });
    expect(
      (await api('POST', `/api/runs/${RUN}/pause`, { token: tokens.alice, body: { reason: 'bridge call' } }))
        .status,
    ).toBe(200);
    await refused(RUN, 409, 'REFUSED', () => api('POST', `/api/runs/${RUN}/pause`, { token: tokens.alice }));
    expect((await api('POST', `/api/runs/${RUN}/resume`, { token: tokens.alice })).status).toBe(200);
    const view = await api('GET', `/api/runs/${RUN}`, { token: tokens.frank });
    expect(view.json.run.status).toBe('running');
  });

  it('runs the readiness checks through the engine (person tokens only)', async () => {
    const r = await api('POST', `/api/runs/${RUN}/checks`, { token: tokens.alice });
    expect(r.status, r.text).toBe(200);
    expect(r.json).toEqual({ checks: [] });
    await refused(RUN, 403, 'NOT_ALLOWED', () =>
      api('POST', `/api/runs/${RUN}/checks`, { token: tokens.frank }),
    );
    await refused(ENDED, 409, 'RUN_ENDED', () =>
      api('POST', `/api/runs/${ENDED}/checks`, { token: tokens.alice }),
    );
  });

  it('refuses every action on a finished run with 409', async () => {
    const m = await refused(ENDED, 409, 'RUN_ENDED', () =>
      api('POST', `/api/runs/${ENDED}/tasks/stop-jobs/complete`, { token: tokens.bob, body: {} }),
    );
    expect(m).toBe(`run ${ENDED} has ended (aborted)`);
    await refused(ENDED, 409, 'RUN_ENDED', () =>
      api('POST', `/api/runs/${ENDED}/rollback`, { token: tokens.alice, body: { reason: 'x' } }),
    );
    await refused(ENDED, 409, 'RUN_ENDED', () =>
      api('POST', `/api/runs/${ENDED}/gates/go-no-go/votes`, { token: tokens.alice, body: { vote: 'go' } }),
    );
  });
});

/** Reads a run's stream until `until` holds; returns the run-event seqs seen and the last id. */
async function readStream(
  runId: string,
  token: string,
  until: (seqs: number[]) => boolean,
  lastEventId?: number,
) {
  const controller = new AbortController();
  const res = await fetch(`${room.url}/api/runs/${runId}/stream`, {
    headers: {
      Authorization: `Bearer ${token}`,
      ...(lastEventId === undefined ? {} : { 'Last-Event-ID': String(lastEventId) }),
    },
    signal: controller.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const seqs: number[] = [];
  let views = 0;
  const parser = createParser({
    onEvent: (m) => {
      if (m.event === 'view') views += 1;
      if (m.event === 'run-event') {
        expect(Number(m.id)).toBe(JSON.parse(m.data).seq);
        seqs.push(Number(m.id));
      }
    },
  });
  const decoder = new TextDecoder();
  const reader = res.body!.getReader();
  while (!until(seqs)) {
    const { value, done } = await reader.read();
    if (done) break;
    parser.feed(decoder.decode(value, { stream: true }));
  }
  controller.abort();
  return { seqs, views };
}

describe('war-room API: the live stream', () => {
  it('replays the journal, then sends live events as people act, with the view after them', async () => {
    const head = await seqOf(RUN);
    const reading = readStream(RUN, tokens.frank, (s) => s.includes(head + 1));
    const r = await api('POST', `/api/runs/${RUN}/gates/go-no-go/votes`, {
      token: tokens.bob,
      body: { vote: 'go' },
    });
    expect(r.status, r.text).toBe(200);
    const { seqs, views } = await reading;
    expect(seqs).toEqual(Array.from({ length: head + 1 }, (_, i) => i + 1));
    expect(views).toBeGreaterThanOrEqual(1);
  });

  it('after a reconnect with Last-Event-ID sends exactly the events missed: none lost, none twice', async () => {
    const seen = await seqOf(RUN);
    // Events appended while the client is away, by another process writing to the store directly.
    await store.append(RUN, seen, [
      { atMs: Date.now(), actor: 'system', data: { type: 'step.waiting', stepId: 'backup' } },
    ]);
    const r = await api('POST', `/api/runs/${RUN}/tasks/backup/complete`, { token: tokens.carol, body: {} });
    expect(r.status, r.text).toBe(200);
    const head = await seqOf(RUN);
    const { seqs } = await readStream(RUN, tokens.frank, (s) => s.includes(head), seen);
    expect(seqs).toEqual([seen + 1, seen + 2]);
  });

  it('refuses a stream without a token and a bad Last-Event-ID', async () => {
    expect((await api('GET', `/api/runs/${RUN}/stream`)).status).toBe(401);
    const r = await api('GET', `/api/runs/${RUN}/stream`, {
      token: tokens.frank,
      headers: { 'Last-Event-ID': 'abc' },
    });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toContain("'abc'");
  });

  it('starts a rollback with a reason (leads only), then refuses changing forward tasks', async () => {
    const r = await api('POST', `/api/runs/${RUN}/rollback`, {
      token: tokens.alice,
      body: { reason: 'errors up' },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.json.events[0].text).toBe('ROLLBACK started by alice: errors up');
    const m = await refused(RUN, 409, 'REFUSED', () =>
      api('POST', `/api/runs/${RUN}/tasks/switch/skip`, { token: tokens.bob, body: { reason: 'x' } }),
    );
    expect(m).toContain('the run is rolling back');
    await refused(RUN, 409, 'REFUSED', () =>
      api('POST', `/api/runs/${RUN}/rollback`, { token: tokens.alice, body: { reason: 'again' } }),
    );
  });
});
