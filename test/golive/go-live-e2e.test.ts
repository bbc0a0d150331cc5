import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/core/run/run-event.js';
import { foldRun } from '../../src/core/run/run-state.js';
import { foldWatch } from '../../src/core/go-live/watch-state.js';
import { loadPlan } from '../../src/core/plan/load-plan.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Spawned } from '../support/cli.js';
import { cli, ensureBuilt, spawnCli, waitFor } from '../support/cli.js';
import { errorRatioQuery, startErrorRateApp, type ErrorRateApp } from '../support/error-rate-app.js';
import { startPrometheus, type PrometheusServer } from '../support/prometheus-server.js';

/*
 * The go-live watch end to end: a real `tminus run` process, a metrics.query monitor against Debian's
 * Prometheus scraping a small web app whose error rate the test sets, the run's channels posting to a local
 * HTTP receiver, the rollback checked by rollback.verify against a "legacy" server. Every wait is for an
 * event in the journal or a state, never for a time.
 */

const root = mkdtempSync(join(tmpdir(), 'tminus-golive-e2e-'));
let app: ErrorRateApp;
let prom: PrometheusServer;
let legacy: Server;
let legacyUrl: string;
let receiver: Server;
let receiverUrl: string;
/** Every POST the receiver got: path and JSON body. */
const received: { path: string; body: { id: string; title: string; message: string } }[] = [];
const spawned: Spawned[] = [];

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Polls Prometheus until the app's error ratio satisfies `ok` (it scrapes every second). */
async function ratioBecomes(ok: (ratio: number) => boolean): Promise<void> {
  await waitFor(async () => {
    const rows = (await prom.query(errorRatioQuery())) as { value: [number, string] }[];
    return ok(Number(rows[0]?.value[1] ?? NaN));
  }, 'the error ratio in Prometheus');
}

beforeAll(async () => {
  ensureBuilt();
  app = await startErrorRateApp({ rps: 40 });
  prom = await startPrometheus({ targets: [app.target] });
  legacy = createServer((_req, res) => res.writeHead(200).end('legacy ok\n'));
  legacyUrl = await listen(legacy);
  receiver = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(text) as (typeof received)[number]['body'] });
      res.writeHead(204).end();
    });
  });
  receiverUrl = await listen(receiver);
  app.setErrorRate(0);
  await ratioBecomes((r) => r === 0);
}, 600_000);

afterAll(async () => {
  for (const p of spawned) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await Promise.all(spawned.map((p) => p.exited));
  await prom?.stop();
  await app?.stop();
  legacy?.closeAllConnections();
  receiver?.closeAllConnections();
  await Promise.all([legacy, receiver].map((s) => new Promise((r) => s?.close(r))));
  rmSync(root, { recursive: true, force: true });
});

interface PlanOptions {
  readonly name: string;
  readonly rollback: string;
  readonly monitor?: string;
}

const planText = (o: PlanOptions) => `version: 1
name: ${o.name}
window: { start: T-1h, end: T+3h }
roles:
  lead: { members: [alice] }
  ops: { members: [bob] }
phases:
  - id: switch
    at: T-0
    tasks:
      - { id: switch-traffic, title: Switch traffic to the new side, owner: ops, estimate: 1m }
channels:
  - { type: webhook, name: war-room, url: 'http://127.0.0.1:9/never-in-rehearsals', testUrl: '${receiverUrl}/${o.name}' }
monitors:
  - id: error-rate
    title: Share of requests answered 5xx
    action: metrics.query
    with: { url: '${prom.url}', query: '${errorRatioQuery()}' }
    interval: 1s
    from: T-0
    until: T+1h
    failWhen: 'result > 0.02'
    failureLimit: 1
${o.monitor ?? ''}
rollback:
${o.rollback}
  criteria:
    - { id: errors, title: Error rate above 2 %, monitor: error-rate }
  verify: { action: http.check, with: { url: '${legacyUrl}/', expect: { status: 200 } } }
  steps:
    - id: redirect
      title: Point traffic back to legacy
      action: http.check
      with: { url: '${legacyUrl}/', expect: { status: 200 } }
      budget: 1m
`;

function workspace(o: PlanOptions) {
  const dir = join(root, o.name);
  mkdirSync(dir);
  const text = planText(o);
  expect(loadPlan(text).issues.filter((i) => i.severity === 'error')).toEqual([]);
  writeFileSync(join(dir, 'plan.yaml'), text);
  const store = join(dir, '.tminus', 'tminus.db');
  const env = { TMINUS_STORE: store };
  let created = false;
  const journal = async (): Promise<readonly RunEvent[]> => {
    if (!existsSync(store)) return [];
    let s: SqliteStore;
    try {
      s = SqliteStore.open(store, { readonly: true });
    } catch (e) {
      if (created) throw e;
      return [];
    }
    try {
      const runs = await s.listRuns();
      created = runs.length > 0;
      return runs[0] ? s.readEvents(runs[0].runId) : [];
    } finally {
      await s.close();
    }
  };
  const spawn = (args: readonly string[]) => {
    const p = spawnCli(args, { cwd: dir, env });
    spawned.push(p);
    return p;
  };
  return {
    journal,
    start: () => spawn(['run', 'plan.yaml', '--auto-approve']),
    resume: () => spawn(['resume']),
    tminus: (args: readonly string[]) => cli(args, { cwd: dir, env }),
    plan: () => loadPlan(text).plan!,
  };
}

const ofType = <T extends RunEvent['data']['type']>(events: readonly RunEvent[], type: T) =>
  events.filter(
    (e): e is RunEvent & { data: Extract<RunEvent['data'], { type: T }> } => e.data.type === type,
  );
const measured = (events: readonly RunEvent[]) => ofType(events, 'monitor.measured').map((e) => e.data);
const countOf = async (w: ReturnType<typeof workspace>, type: RunEvent['data']['type']) =>
  (await w.journal()).filter((e) => e.data.type === type).length;

/** What the receiver got for one run, by headline. */
const headlines = (name: string) =>
  received.filter((r) => r.path === `/${name}`).map((r) => r.body.title.replace(/^[^:]+: /, ''));

describe('the go-live watch end to end against a real Prometheus', () => {
  it('(a) auto: the error rate breaks after T-0, the run rolls back by itself, verifies legacy and says so on its channel', async () => {
    const w = workspace({ name: 'auto', rollback: '  auto: true' });
    app.setErrorRate(0);
    await ratioBecomes((r) => r === 0); // the error rate of the test before has left Prometheus's window
    const run = w.start();
    await waitFor(async () => measured(await w.journal()).length >= 2, 'two healthy measurements');
    app.setErrorRate(0.5);
    const code = await run.exited;
    expect(code, run.output()).toBe(1); // rolled back

    const events = await w.journal();
    const ms = measured(events);
    const firstFailed = ms.findIndex((m) => m.outcome === 'failed');
    expect(firstFailed).toBeGreaterThanOrEqual(2);
    // Before the error rate rose: healthy at 0. After it rose, Prometheus's rate window can still give one
    // or more readings under the threshold (successful, above 0) before the first failing one.
    const seen = JSON.stringify(ms.map((m) => [m.n, m.outcome, m.value]));
    expect(
      ms.slice(0, 2).every((m) => m.outcome === 'successful' && m.value === 0),
      seen,
    ).toBe(true);
    expect(
      ms.slice(0, firstFailed).every((m) => m.outcome === 'successful' && (m.value as number) <= 0.02),
      seen,
    ).toBe(true);
    expect(ms.map((m) => m.n)).toEqual(ms.map((_, i) => i + 1));
    expect(ms.slice(firstFailed)).toHaveLength(2); // failureLimit 1: the second failure fails the monitor
    expect(ms[firstFailed]!.value as number).toBeGreaterThan(0.02);

    const state = foldRun(events);
    expect(state.outcome).toBe('rolled-back');
    expect(state.rollback).toMatchObject({ by: 'system', criterionId: 'errors' });
    expect(foldWatch(w.plan(), events).decisions.errors).toMatchObject({
      basis: 'auto',
      decision: 'rollback',
    });
    expect(state.steps['rollback.verify']).toMatchObject({ status: 'succeeded' });
    const types = events.map((e) => ('stepId' in e.data ? `${e.data.type} ${e.data.stepId}` : e.data.type));
    const afterRollback = types
      .slice(types.indexOf('rollback.started'))
      .filter((t) => t !== 'watch.announced');
    expect(afterRollback.filter((t) => !t.startsWith('monitor.'))).toEqual([
      'rollback.started',
      'step.started redirect',
      'step.succeeded redirect',
      'step.started rollback.verify',
      'step.succeeded rollback.verify',
      'run.ended',
    ]);

    // Each watch event announced once, recorded before the run's end, delivered to the test URL only.
    const announced = ofType(events, 'watch.announced').map((e) => e.data);
    expect(announced.map((a) => a.about)).toEqual([
      'criterion.fired',
      'decision.made',
      'rollback.started',
      'step.succeeded',
    ]);
    expect(announced.every((a) => !a.failed && a.summary.includes('sent on war-room'))).toBe(true);
    expect(types.at(-1)).toBe('run.ended');
    expect(headlines('auto')).toEqual([
      'rollback criterion errors fired',
      'decided on errors: rollback',
      'ROLLBACK started',
      'rollback verified: the legacy side is healthy',
    ]);
    const log = await w.tminus(['log']);
    expect(log.stdout).toMatch(/rollback.verify: succeeded — GET http:\/\/127.0.0.1:\d+\/ → 200/);
    expect(log.stdout).toMatch(/announced event #\d+ \(rollback.started\)/);
  });

  it('(b) manual: nobody answers, the default (rollback) applies at the decision deadline', async () => {
    const w = workspace({ name: 'manual', rollback: '  decisionDeadline: 3s\n  default: rollback' });
    app.setErrorRate(0);
    await ratioBecomes((r) => r === 0); // the error rate of the test before has left Prometheus's window
    const run = w.start();
    await waitFor(async () => measured(await w.journal()).length >= 2, 'two healthy measurements');
    app.setErrorRate(0.5);
    await waitFor(async () => (await countOf(w, 'decision.asked')) === 1, 'the lead to be asked');
    const status = await w.tminus(['status']);
    expect(status.stdout).toMatch(
      /DECISION PENDING on errors \(failed, fired at T\+\d+s\): .* then rollback/,
    );
    expect(await run.exited, run.output()).toBe(1);

    const events = await w.journal();
    const asked = ofType(events, 'decision.asked');
    const made = ofType(events, 'decision.made');
    expect(asked).toHaveLength(1);
    expect(made).toHaveLength(1);
    expect(made[0]!.data).toMatchObject({ basis: 'deadline', decision: 'rollback' });
    expect(made[0]!.atMs).toBeGreaterThanOrEqual(asked[0]!.data.deadlineAtMs!);
    expect(asked[0]!.data.deadlineAtMs).toBe(ofType(events, 'criterion.fired')[0]!.atMs + 3000);
    expect(foldRun(events).outcome).toBe('rolled-back');
    expect(headlines('manual')).toEqual([
      'rollback criterion errors fired',
      'decision needed on errors',
      'decided on errors: rollback',
      'ROLLBACK started',
      'rollback verified: the legacy side is healthy',
    ]);
    const pending = received.find((r) => r.path === '/manual' && r.body.title.includes('decision needed'));
    expect(pending?.body.message).toMatch(/DECISION NEEDED on errors \(failed\): by .*, then rollback/);
  });

  it('(c) healthy monitors: the lead declares success with the evidence; the run completes', async () => {
    const w = workspace({ name: 'healthy', rollback: '  auto: true' });
    app.setErrorRate(0);
    await ratioBecomes((r) => r === 0); // the error rate of the test before has left Prometheus's window
    const run = w.start();
    await waitFor(async () => measured(await w.journal()).length >= 3, 'three healthy measurements');
    const r = await w.tminus([
      'declare',
      'success',
      '--reason',
      'error rate 0 for three minutes',
      '--as',
      'alice',
    ]);
    expect(r.stderr).not.toContain('error:');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('go-live SUCCESS declared by alice (person): error rate 0 for three minutes');
    expect(await run.exited, run.output()).toBe(0);

    const events = await w.journal();
    const success = ofType(events, 'success.declared');
    expect(success).toHaveLength(1);
    const evidence = success[0]!.data.evidence['error-rate'] as Record<string, unknown>;
    expect(evidence).toMatchObject({ phase: 'running', failed: 0, error: 0 });
    expect(evidence.measurements as number).toBeGreaterThanOrEqual(3);
    expect(foldRun(events).outcome).toBe('completed');
    expect(measured(events).every((m) => m.outcome === 'successful')).toBe(true);
    expect(headlines('healthy')).toEqual(['go-live SUCCESS']);
  });
});

describe('SIGKILL of the real tminus process during the go-live watch', () => {
  it('resumes the watch: measurements numbered on, nothing fired, asked, decided or announced twice', async () => {
    const w = workspace({ name: 'killed', rollback: '  decisionDeadline: 4s\n  default: rollback' });
    app.setErrorRate(0);
    await ratioBecomes((r) => r === 0); // the error rate of the test before has left Prometheus's window
    const first = w.start();
    await waitFor(async () => measured(await w.journal()).length >= 3, 'three healthy measurements');
    first.child.kill('SIGKILL');
    await first.exited;
    const beforeResume = measured(await w.journal());

    // Resumed, it measures on from the last recorded number; then the monitor fails and the lead is asked.
    const second = w.resume();
    await waitFor(
      async () => measured(await w.journal()).length >= beforeResume.length + 2,
      'two measurements after the resume',
    );
    app.setErrorRate(0.5);
    await waitFor(async () => (await countOf(w, 'decision.asked')) === 1, 'the lead to be asked');
    second.child.kill('SIGKILL');
    await second.exited;
    const asked = ofType(await w.journal(), 'decision.asked')[0]!;

    // Nobody answers: after the second resume the default applies at the deadline, once.
    const third = w.resume();
    expect(await third.exited, third.output()).toBe(1);

    const events = await w.journal();
    const ms = measured(events);
    expect(ms.slice(0, beforeResume.length)).toEqual(beforeResume); // nothing recorded was lost or changed
    expect(ms.map((m) => m.n)).toEqual(ms.map((_, i) => i + 1)); // each number once, none skipped
    const firstFailed = ms.findIndex((m) => m.outcome === 'failed');
    expect(firstFailed).toBeGreaterThan(beforeResume.length);
    const watch = foldWatch(w.plan(), events);
    expect(watch.monitors['error-rate']?.counters).toMatchObject({
      failed: ms.filter((m) => m.outcome === 'failed').length,
      successful: firstFailed,
    });
    for (const type of ['criterion.fired', 'decision.asked', 'decision.made', 'rollback.started'] as const) {
      expect({ type, n: ofType(events, type).length }).toEqual({ type, n: 1 });
    }
    const made = ofType(events, 'decision.made')[0]!;
    expect(made.data).toMatchObject({ basis: 'deadline', decision: 'rollback' });
    expect(made.atMs).toBeGreaterThanOrEqual(asked.data.deadlineAtMs!);
    expect(ofType(events, 'executor.started')).toHaveLength(3);
    expect(foldRun(events).outcome).toBe('rolled-back');

    // Each announced event recorded as announced exactly once; every one reached the receiver (a kill between
    // sending and recording may deliver one twice, under the same idempotency id, never a different one).
    const announced = ofType(events, 'watch.announced').map((e) => e.data.forSeq);
    expect(new Set(announced).size).toBe(announced.length);
    const expected = events
      .filter((e) =>
        ['criterion.fired', 'decision.asked', 'decision.made', 'rollback.started'].includes(e.data.type),
      )
      .map((e) => e.seq);
    expect(announced.filter((s) => expected.includes(s)).sort()).toEqual(expected.sort());
    const ids = received.filter((r) => r.path === '/killed').map((r) => r.body.id);
    const runId = foldRun(events).runId;
    expect([...new Set(ids)].sort()).toEqual(announced.map((s) => `${runId}:announce-${s}`).sort());
  });
});
