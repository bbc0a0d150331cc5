// Benchmark: the war room under load (issue #15). Starts the real `tminus serve` on a SQLite store with one
// live run, connects 50 dashboards to its live stream and lets 20 people act at once (each completes its
// own tasks one after another), then checks that every dashboard received every event exactly once, in
// order, and prints p50/p99 of (a) a command's answer and (b) the time from a command being sent to each
// dashboard receiving its event. Lower bound, measured in the same run with the same clients: a bare Hono
// server (no store, no engine) that answers a POST and fans an SSE message out to every stream.
// Needs `npm run build` first (it runs bin/tminus.js, which loads dist/).
// Run: npx tsx bench/war-room-load.ts   (FOLLOWERS=50 ACTORS=20 TASKS=5 by default)
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createParser } from 'eventsource-parser';

const FOLLOWERS = Number(process.env.FOLLOWERS ?? 50);
const ACTORS = Number(process.env.ACTORS ?? 20);
const TASKS = Number(process.env.TASKS ?? 5);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUN = 'load-run';

const pad = (i: number) => String(i + 1).padStart(2, '0');
const person = (a: number) => `p${pad(a)}`;
const taskId = (a: number, t: number) => `t-${person(a)}-${pad(t)}`;

/** The lower bound's server: a POST answered with the next number, fanned out as an SSE event. */
async function bareServer(): Promise<void> {
  const { Hono } = await import('hono');
  const { streamSSE } = await import('hono/streaming');
  const { serve } = await import('@hono/node-server');
  const app = new Hono();
  const streams = new Set<(seq: number) => void>();
  let seq = 0;
  app.post('/act', async (c) => {
    await c.req.json();
    seq += 1;
    for (const send of streams) send(seq);
    return c.json({ events: [{ seq }] });
  });
  app.get('/stream', (c) =>
    streamSSE(c, async (stream) => {
      const send = (n: number) =>
        void stream.writeSSE({ id: String(n), event: 'run-event', data: JSON.stringify({ seq: n }) });
      streams.add(send);
      await new Promise<void>((resolve) => stream.onAbort(resolve));
      streams.delete(send);
    }),
  );
  const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
    process.stdout.write(`war room at http://127.0.0.1:${info.port}\n`),
  );
  process.once('SIGTERM', () => s.close());
}

function planText(): string {
  const roles = Array.from({ length: ACTORS }, (_, a) => `  r${pad(a)}: { members: [${person(a)}] }`);
  const tasks = Array.from({ length: ACTORS }, (_, a) =>
    Array.from(
      { length: TASKS },
      (_, t) =>
        `      - { id: ${taskId(a, t)}, title: Task ${t + 1} of ${person(a)}, owner: r${pad(a)}, estimate: 5m }`,
    ).join('\n'),
  ).join('\n');
  return `version: 1
name: war-room-load
title: War room load
window: { start: T-1h, end: T+6h }
roles:
  lead: { members: [lead] }
${roles.join('\n')}
phases:
  - id: work
    at: T-0
    tasks:
${tasks}
rollback:
  steps:
    - { id: undo, title: Undo, owner: lead, budget: 10m }
`;
}

/** Starts a server process and resolves with its URL (the line it prints). */
function start(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /war room at (http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1]!, child });
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code, signal) => {
      if (code !== 0 && signal !== 'SIGTERM') {
        console.error(`server ${args.at(-1)} exited ${code ?? signal}: ${err}`);
      }
      reject(new Error(`server exited ${code ?? signal}: ${err}`));
    });
  });
}

interface Follower {
  readonly seqs: number[];
  readonly at: Map<number, number>;
  readonly stop: () => void;
}

/** A dashboard on the live stream: records when each run event arrives (and its order). */
async function follow(url: string, token: string | undefined): Promise<Follower> {
  const controller = new AbortController();
  const res = await fetch(url, {
    headers: { Accept: 'text/event-stream', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    signal: controller.signal,
  });
  if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
  const f: Follower = { seqs: [], at: new Map(), stop: () => controller.abort() };
  const parser = createParser({
    onEvent: (m) => {
      if (m.event !== 'run-event') return; // views are sent too; a dashboard draws them, the bench skips them
      const seq = Number(m.id);
      f.seqs.push(seq);
      if (!f.at.has(seq)) f.at.set(seq, performance.now());
    },
  });
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch {
      // aborted at the end
    }
  })();
  return f;
}

interface Sent {
  readonly startMs: number;
  readonly answerMs: number;
  readonly seqs: readonly number[];
}

const quantile = (values: number[], q: number): number => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};

async function load(
  name: string,
  streamUrl: string,
  command: (a: number, t: number) => { url: string; token?: string },
  followerToken: string | undefined,
  firstSeq: number,
): Promise<{ commands: number[]; delivery: number[]; lastSeq: number }> {
  const followers = await Promise.all(
    Array.from({ length: FOLLOWERS }, () => follow(streamUrl, followerToken)),
  );
  // Each dashboard first replays the journal: wait until all are caught up before acting.
  const caughtUp = async (seq: number) => {
    for (let i = 0; i < 6000 && !followers.every((f) => f.at.has(seq)); i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  await caughtUp(firstSeq);
  const sent: Sent[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: ACTORS }, async (_, a) => {
      for (let t = 0; t < TASKS; t++) {
        const { url, token } = command(a, t);
        const startMs = performance.now();
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            ...(token ? { Authorization: `Bearer ${token}` } : {}),
          },
          body: '{}',
        });
        const body = (await res.json()) as { events?: { seq: number }[]; error?: { message: string } };
        if (!res.ok) throw new Error(`${name}: ${url} answered ${res.status}: ${body.error?.message}`);
        sent.push({ startMs, answerMs: performance.now() - startMs, seqs: body.events!.map((e) => e.seq) });
      }
    }),
  );
  const lastSeq = Math.max(...sent.flatMap((s) => s.seqs));
  await caughtUp(lastSeq);
  const wallMs = performance.now() - started;
  for (const f of followers) f.stop();
  // Nothing lost, nothing twice, in order: every dashboard saw each event from its first one to the last.
  for (const [i, f] of followers.entries()) {
    const expected = Array.from({ length: lastSeq - f.seqs[0]! + 1 }, (_, k) => f.seqs[0]! + k);
    if (f.seqs.length !== expected.length || f.seqs.some((s, k) => s !== expected[k])) {
      throw new Error(
        `${name}: dashboard ${i} received ${f.seqs.length} events, expected ${expected.length}`,
      );
    }
  }
  const delivery: number[] = [];
  for (const s of sent) {
    for (const f of followers) {
      delivery.push(Math.max(...s.seqs.map((q) => f.at.get(q)!)) - s.startMs);
    }
  }
  console.log(
    `${name}: ${sent.length} commands in ${(wallMs / 1000).toFixed(1)} s (${(sent.length / (wallMs / 1000)).toFixed(0)}/s), ` +
      `${FOLLOWERS} dashboards each received all ${lastSeq - firstSeq + 1} events once, in order`,
  );
  return { commands: sent.map((s) => s.answerMs), delivery, lastSeq };
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('run `npm run build` first');
  const { SqliteStore } = await import('../src/store/sqlite/sqlite-store.js');
  const { issueToken } = await import('../src/engine/access-tokens.js');
  const dir = mkdtempSync(join(tmpdir(), 'tminus-bench-war-room-'));
  const servers: ChildProcess[] = [];
  try {
    const db = join(dir, 'tminus.db');
    const store = SqliteStore.open(db);
    const now = Date.now();
    const tasks = Array.from({ length: ACTORS }, (_, a) =>
      Array.from({ length: TASKS }, (_, t) => taskId(a, t)),
    );
    await store.createRun(RUN, [
      {
        atMs: now - 60_000,
        actor: 'system',
        data: {
          type: 'run.started',
          planName: 'war-room-load',
          planTitle: 'War room load',
          planText: planText(),
          planPath: join(dir, 'plan.yaml'),
          mode: 'live',
          goLiveMs: now - 60_000,
          dryRun: false,
          autoApprove: false,
          comms: 'off',
          speed: 1,
          rollbackSteps: ['undo'],
        },
      },
      ...tasks.flat().map((stepId) => ({
        atMs: now - 60_000,
        actor: 'system',
        data: { type: 'step.waiting' as const, stepId },
      })),
    ]);
    const tokens: string[] = [];
    for (let a = 0; a < ACTORS; a++) {
      tokens.push((await issueToken(store, { person: person(a), role: 'person' }, now)).token);
    }
    const viewer = (await issueToken(store, { person: 'lead', role: 'viewer' }, now)).token;
    const firstSeq = (await store.head(RUN))!.seq;
    await store.close();

    const bare = await start(['--import', 'tsx', fileURLToPath(import.meta.url), '--bare']);
    servers.push(bare.child);
    const bound = await load(
      'bare Hono (lower bound)',
      `${bare.url}/stream`,
      () => ({ url: `${bare.url}/act` }),
      undefined,
      0,
    );
    bare.child.kill('SIGTERM');

    const served = await start([
      ...(process.env.PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROF}`] : []),
      join(ROOT, 'bin', 'tminus.js'),
      'serve',
      '--store',
      db,
      '--port',
      '0',
    ]);
    servers.push(served.child);
    const base = `${served.url}/api/runs/${RUN}`;
    const real = await load(
      'tminus serve (SQLite)',
      `${base}/stream`,
      (a, t) => ({ url: `${base}/tasks/${taskId(a, t)}/complete`, token: tokens[a]! }),
      viewer,
      1,
    );
    const view = await fetch(base, { headers: { Authorization: `Bearer ${viewer}` } });
    const viewBytes = (await view.arrayBuffer()).byteLength;
    if (real.lastSeq !== firstSeq + ACTORS * TASKS) {
      throw new Error(`expected ${ACTORS * TASKS} events appended, the journal ends at ${real.lastSeq}`);
    }

    console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
    console.log(
      `load average: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(
          ' ',
        )}; ${FOLLOWERS} dashboards, ${ACTORS} people × ${TASKS} commands; the run's view is ${(viewBytes / 1024).toFixed(0)} KiB`,
    );
    const row = (label: string, b: number[], r: number[]) =>
      console.log(
        `${label.padEnd(34)} p50 ${quantile(r, 0.5).toFixed(1).padStart(7)} ms (bound ${quantile(b, 0.5).toFixed(1)})` +
          `   p99 ${quantile(r, 0.99).toFixed(1).padStart(7)} ms (bound ${quantile(b, 0.99).toFixed(1)})`,
      );
    row('command answered', bound.commands, real.commands);
    row('command → every dashboard has it', bound.delivery, real.delivery);
  } finally {
    for (const s of servers) if (s.exitCode === null) s.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--bare')) await bareServer();
else await main();
