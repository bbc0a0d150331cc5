import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WAIT_MS, ensureBuilt, spawnCli, waitFor } from '../support/cli.js';
import { freePort } from '../support/free-port.js';

/**
 * The secrets canary (issue #10): one whole rehearsal, through the real CLI, with a canary secret in every
 * place a secret can go — a connection URL, an HTTP header, a shell command's environment, a webhook URL, a
 * TSIG key, an SMTP password — and a scan of everything tminus writes for each canary and its common
 * encodings: the journal (every raw row of every table), the witness, every file under the run directory,
 * the run's output and errors, `status --json`, `log --json`, `log`, `check` and `audit verify`, and every
 * answer of the war room's HTTP API (`tminus serve`: each route, its refusals, and the live stream of
 * server-sent events).
 */
const tag = randomBytes(4).toString('hex');
/** Each canary holds characters every encoding changes: / + = " & % space. */
const canary = (place: string) => `CANARY-${place}-${tag}/+="x&y%z w`;
const CANARIES = {
  pg: canary('pg'),
  http: canary('http'),
  shell: canary('shell'),
  hook: canary('hook'),
  smtp: canary('smtp'),
  tsig: Buffer.from(canary('tsig')).toString('base64'), // a TSIG secret is base64
};

/** A value and the forms it commonly takes on its way out (computed here, independently of the redactor). */
function forms(value: string): string[] {
  const bytes = Buffer.from(value);
  return [
    value,
    encodeURIComponent(value),
    new URLSearchParams({ v: value }).toString().slice(2),
    JSON.stringify(value).slice(1, -1),
    bytes.toString('base64'),
    bytes.toString('base64url'),
    bytes.toString('hex'),
  ];
}

const dir = mkdtempSync(join(tmpdir(), 'tminus-canary-'));
const config = mkdtempSync(join(tmpdir(), 'tminus-canary-config-'));
const received: { url: string; authorization: string | undefined }[] = [];
let http: Server;
let smtp: SMTPServer;
let plan = '';

beforeAll(async () => {
  ensureBuilt();
  http = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ url: req.url ?? '', authorization: req.headers.authorization });
      // Echo what arrived (headers, path): a careless tminus would store it as evidence or in an error.
      const echo = JSON.stringify({ url: req.url, headers: req.headers });
      res.writeHead(req.url?.startsWith('/fail/') ? 500 : 200, { 'content-type': 'application/json' });
      res.end(echo);
    });
  });
  const httpPort = await freePort();
  await new Promise<void>((r) => http.listen(httpPort, '127.0.0.1', () => r()));
  smtp = new SMTPServer({
    authOptional: false,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _s, cb) {
      if (auth.password === CANARIES.smtp) cb(null, { user: auth.username });
      else cb(new Error('535 5.7.8 Authentication credentials invalid'));
    },
    onData(stream, _s, cb) {
      stream.on('data', () => undefined);
      stream.on('end', () => cb());
    },
  });
  const smtpPort = await freePort();
  await new Promise<void>((r) => smtp.listen(smtpPort, '127.0.0.1', () => r()));
  const closedPort = await freePort();
  const web = `http://127.0.0.1:${httpPort}`;
  plan = `version: 1
name: canary
roles: { ops: { members: [bob] } }
connections:
  db: { kind: postgres, url: 'postgres://postgres:\${env:CANARY_PG}@127.0.0.1:5432/postgres' }
  missing-db: { kind: postgres, url: 'postgres://postgres:\${env:CANARY_PG}@127.0.0.1:5432/no_such_db_${tag}' }
  dns:
    kind: dns
    url: dns://127.0.0.1:${closedPort}
    options: { tsig: { name: cutover-key, algorithm: hmac-sha256, secret: '\${env:CANARY_TSIG}' } }
checklist:
  failing:
    - id: shell-fails
      title: A command that prints its secret and fails
      owner: ops
      check: { action: shell, with: { run: 'printf "%s\\n" "$C" >&2; exit 3', env: { C: '\${env:CANARY_SHELL}' } } }
    - id: db-fails
      title: A database that does not exist
      owner: ops
      check: { action: sql.assert, with: { connection: missing-db, query: 'select 1', expect: { rows: 1 } } }
    - id: http-fails
      title: A health check answered 500 with the request echoed
      owner: ops
      check:
        action: http.check
        with: { url: '${web}/fail/x', headers: { authorization: 'Bearer \${env:CANARY_HTTP}' }, expect: { status: 200 } }
    - id: hook-fails
      title: A webhook that answers 500
      owner: ops
      check:
        action: notify
        with:
          title: t
          message: m
          channels: [{ type: webhook, url: '${web}/fail/\${env:CANARY_HOOK_URL}', testUrl: '${web}/fail/\${env:CANARY_HOOK_URL}' }]
    - id: dns-fails
      title: A DNS server that does not answer
      owner: ops
      check:
        action: dns.update
        with: { connection: dns, zone: shop.test, name: www, type: A, ttl: 5, value: 192.0.2.20 }
phases:
  - id: go
    at: T-0
    tasks:
      - id: shell
        owner: ops
        action: shell
        with:
          run: >-
            printf '%s\\n' "$C"; printf '%s' "$C" | base64 -w0; echo;
            node -e 'const c = process.env.C; console.log(encodeURIComponent(c), JSON.stringify({ c }), Buffer.from(c).toString("hex"))'
          env: { C: '\${env:CANARY_SHELL}' }
      - id: db
        owner: ops
        action: sql.assert
        with: { connection: db, query: "select 'ok'", expect: { rows: 1 } }
      - id: http
        owner: ops
        action: http.check
        with: { url: '${web}/echo', headers: { authorization: 'Bearer \${env:CANARY_HTTP}' }, expect: { status: 200 } }
      - id: announce
        owner: ops
        action: notify
        with:
          title: Canary
          message: The canary sings.
          channels:
            - { type: webhook, url: '${web}/hook/\${env:CANARY_HOOK_URL}', testUrl: '${web}/hook/\${env:CANARY_HOOK_URL}' }
            - type: email
              smtp: 'smtp://ops:\${env:CANARY_SMTP_URL}@127.0.0.1:${smtpPort}'
              from: tminus@example.com
              to: [lead@example.com]
              testTo: [lead@example.com]
`;
  writeFileSync(join(dir, 'plan.yaml'), plan);
}, 120_000);

afterAll(async () => {
  await new Promise<void>((r) => http.close(() => r()));
  await new Promise<void>((r) => smtp.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
  rmSync(config, { recursive: true, force: true });
});

const env = {
  TMINUS_STORE: join(dir, '.tminus', 'tminus.db'),
  XDG_CONFIG_HOME: config,
  CANARY_PG: encodeURIComponent(CANARIES.pg), // a password inside a URL is written URL-encoded
  CANARY_HTTP: CANARIES.http,
  CANARY_SHELL: CANARIES.shell,
  CANARY_HOOK_URL: encodeURIComponent(CANARIES.hook),
  CANARY_SMTP_URL: encodeURIComponent(CANARIES.smtp),
  CANARY_TSIG: CANARIES.tsig,
};

/** Where each canary, in any of its forms, appears in the texts: `place canary (form) in what`. */
function leaksIn(outputs: readonly (readonly [string, string])[]): string[] {
  const leaks: string[] = [];
  for (const [place, secret] of Object.entries(CANARIES)) {
    for (const form of new Set([
      ...forms(secret),
      ...forms(decodeURIComponent(encodeURIComponent(secret))),
    ])) {
      for (const [what, text] of outputs) {
        if (text.includes(form)) leaks.push(`${place} canary (${form}) in ${what}`);
      }
    }
  }
  return leaks;
}

/** The war room's answers, recorded for the scan: status line, headers and body of each. */
function warRoom(url: string, token: string, answers: [string, string][]) {
  const call = async (method: string, path: string, body?: unknown, auth = true) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(auth ? { Authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    answers.push([`HTTP ${method} ${path} → ${res.status}`, `${JSON.stringify([...res.headers])}\n${text}`]);
    return { status: res.status, text };
  };
  /** Reads the live stream (replayed from `after`) until it has sent event `lastSeq` and a view after it. */
  const stream = async (path: string, after: number, lastSeq: number) => {
    const controller = new AbortController();
    const res = await fetch(`${url}${path}`, {
      headers: { Authorization: `Bearer ${token}`, 'Last-Event-ID': String(after) },
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const done = () => {
      const at = text.indexOf(`id: ${lastSeq}\n`);
      return at >= 0 && text.indexOf('event: view', at) >= 0;
    };
    const timer = setTimeout(() => controller.abort(), WAIT_MS);
    try {
      while (!done()) {
        const { value, done: ended } = await reader.read();
        if (ended) break;
        text += decoder.decode(value, { stream: true });
      }
    } catch (e) {
      throw new Error(`the stream ${path} did not send event ${lastSeq} and a view: ${text.slice(-300)}`, {
        cause: e,
      });
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
    answers.push([`HTTP GET ${path} (stream after ${after})`, text]);
    return text;
  };
  return { call, stream };
}

/** Every file under a directory, as text. */
function filesUnder(root: string): [string, string][] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .map((f) => join(root, f))
    .filter((p) => statSync(p).isFile())
    .map((p) => [p, readFileSync(p).toString('latin1')]);
}

describe('the secrets canary', () => {
  it('finds no canary, in any common encoding, in anything tminus writes', async () => {
    const outputs: [string, string][] = [];
    // The run waits for T-0 two hours away: the readiness checks run meanwhile, then the phase is pulled.
    const run = spawnCli(['run', 'plan.yaml', '--go-live', 'now+2h', '--auto-approve'], { cwd: dir, env });
    await waitFor(() => run.output().includes('run started'), 'the run to start');
    const checked = spawnCli(['check'], { cwd: dir, env });
    await checked.exited;
    outputs.push(['tminus check', checked.output()]);
    // The war room on the same store, while the run is open: it runs the readiness checks itself (with the
    // secrets from its own environment) and answers with their evidence.
    const created = spawnCli(['token', 'create', '--as', 'bob'], { cwd: dir, env });
    expect(await created.exited, created.output()).toBe(0);
    const token = /tmn_\S+/.exec(created.output())![0];
    const serve = spawnCli(['serve', '--port', '0'], { cwd: dir, env });
    await waitFor(() => /war room at http:\S+/.test(serve.output()), 'the war room to start');
    const url = /war room at (http:\S+)/.exec(serve.output())![1]!;
    const answers: [string, string][] = [];
    const api = warRoom(url, token, answers);
    const runs = await api.call('GET', '/api/runs');
    const runId = (JSON.parse(runs.text) as { runs: { runId: string }[] }).runs[0]!.runId;
    const base = `/api/runs/${encodeURIComponent(runId)}`;
    const checks = await api.call('POST', `${base}/checks`);
    expect(checks.status, checks.text).toBe(200);
    expect(checks.text).toContain('shell-fails');
    const pulled = spawnCli(['pull', 'go', '--as', 'bob'], { cwd: dir, env });
    expect(await pulled.exited, pulled.output()).toBe(0);
    outputs.push(['tminus pull', pulled.output()]);
    const code = await run.exited;
    outputs.push(['run output', run.output()]);
    expect(code, run.output()).toBe(0);
    // The secrets did their work: the services saw them, so the scan below is not vacuous.
    expect(received.some((r) => r.authorization === `Bearer ${CANARIES.http}`)).toBe(true);
    expect(received.some((r) => r.url === `/hook/${encodeURIComponent(CANARIES.hook)}`)).toBe(true);
    expect(run.output()).toMatch(/shell: succeeded/);
    expect(run.output()).toMatch(/announce: succeeded/);

    for (const args of [
      ['status', '--json'],
      ['status'],
      ['log', '--json'],
      ['log'],
      ['log', '--origin'],
      ['audit', 'verify', '--json'],
    ]) {
      const r = spawnCli(args, { cwd: dir, env });
      await r.exited;
      outputs.push([`tminus ${args.join(' ')}`, r.output()]);
    }
    const check = outputs.find(([what]) => what === 'tminus check')![1];
    // Every failing check failed, and said why, so their error messages are in the scan.
    for (const id of ['shell-fails', 'db-fails', 'http-fails', 'hook-fails', 'dns-fails']) {
      expect(check).toContain(id);
    }
    const log = outputs.find(([what]) => what === 'tminus log --json')![1];
    expect(log).toContain('check.recorded');
    // Provenance (issue #10 item 3): a person's command records, beside the person, the OS user, host and
    // process it came from; `tminus log --origin` shows it (and the canary scan covers it too).
    const pull = log
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { type: string; actor: string; origin?: unknown })
      .find((e) => e.type === 'phase.pulled');
    expect(pull?.actor).toBe('bob');
    const origin = { via: 'cli', osUser: userInfo().username, host: hostname(), pid: pulled.child.pid };
    expect(pull?.origin).toEqual(origin);
    expect(outputs.find(([what]) => what === 'tminus log --origin')![1]).toContain(
      `[cli ${origin.osUser}@${origin.host} pid ${origin.pid}]`,
    );

    // The journal, raw: every column of every row of every table.
    const db = new Database(env.TMINUS_STORE, { readonly: true });
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
      name: string;
    }[];
    for (const { name } of tables) {
      outputs.push([`table ${name}`, JSON.stringify(db.prepare(`SELECT * FROM ${name}`).all())]);
    }
    db.close();
    expect(outputs.some(([what, text]) => what === 'table events' && text.includes('step.succeeded'))).toBe(
      true,
    );
    outputs.push(...filesUnder(dir).filter(([p]) => !p.endsWith('plan.yaml')));
    outputs.push(...filesUnder(config));

    // Every route of the war room once the run has ended, its refusals, and the live stream (whole, and
    // replayed after a reconnect).
    const lastSeq = (
      JSON.parse((await api.call('GET', `${base}/events?limit=5000`)).text) as { seq: number }[]
    ).at(-1)!.seq;
    for (const path of [
      '/healthz',
      '/openapi.json',
      '/api/me',
      '/api/runs',
      base,
      `${base}/tasks`,
      '/metrics',
    ]) {
      expect((await api.call('GET', path)).status, path).toBe(200);
    }
    const refusals: [string, string, unknown, number][] = [
      ['POST', `${base}/tasks/shell/complete`, {}, 409],
      ['POST', `${base}/checks`, undefined, 409],
      ['POST', `${base}/declare`, { what: 'success', reason: 'after the end' }, 409],
      ['POST', `${base}/rollback`, { reason: 'too late' }, 409],
      ['POST', `${base}/tasks/shell/skip`, { reason: '' }, 400],
      ['POST', `${base}/rollback`, '{"reason": ', 400],
      ['POST', `${base}/tasks/no-such-task/complete`, {}, 409], // the run has ended: that comes first
      ['GET', '/api/runs/no-such-run', undefined, 404],
    ];
    for (const [method, path, body, status] of refusals) {
      expect((await api.call(method, path, body)).status, `${method} ${path}`).toBe(status);
    }
    expect((await api.call('GET', base, undefined, false)).status).toBe(401);
    const streamed = await api.stream(`${base}/stream`, 0, lastSeq);
    expect(streamed).toContain('check.recorded');
    expect(streamed).toContain('step.succeeded');
    await api.stream(`${base}/stream`, 1, lastSeq);
    const view = answers.find(([what]) => what === `HTTP GET ${base} → 200`)![1];
    expect(view).toContain('shell-fails'); // the checklist's evidence is in the scanned answer
    serve.child.kill('SIGTERM');
    await serve.exited;
    outputs.push(['tminus serve', serve.output()], ...answers);
    expect(answers.length).toBeGreaterThan(20);

    expect(leaksIn(outputs)).toEqual([]);
    expect(outputs.length).toBeGreaterThan(10);
  }, 360_000);

  it('would catch a leak: the scan finds a canary planted in an API answer, in each encoding', () => {
    const secret = CANARIES.http;
    const planted: [string, string][] = [
      ['HTTP GET /api/runs/x → 200', JSON.stringify({ error: { message: `Bearer ${secret} refused` } })],
      [
        'HTTP GET /api/runs/x/stream',
        `event: run-event\ndata: {"url":"/hook/${encodeURIComponent(secret)}"}\n\n`,
      ],
      ['HTTP GET /metrics → 200', `x{k="${Buffer.from(secret).toString('base64')}"} 1`],
    ];
    const leaks = leaksIn(planted);
    for (const [what] of planted) {
      expect(leaks.some((l) => l.startsWith('http canary') && l.endsWith(what))).toBe(true);
    }
    expect(leaksIn([['clean answer', JSON.stringify({ error: { message: 'Bearer *** refused' } })]])).toEqual(
      [],
    );
  });
});
