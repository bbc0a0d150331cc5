/* global setTimeout, clearTimeout, AbortController */
// Measures the overhead of http.check and sql.assert per call against their lower bounds: a bare
// node:http request to the same local server, and the same query run directly with better-sqlite3.
// Run after `npm run build`: node bench/checks.js
import { createServer, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { httpCheckAction } from '../dist/actions/http-check/http-check-action.js';
import { httpCheckParams } from '../dist/actions/http-check/http-check-params.js';
import { sqlAssertAction, sqlAssertParams } from '../dist/actions/sql-assert/sql-assert-action.js';

const N = Number(process.env.N ?? 500);
const clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      const t = setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
    }),
};
const nop = () => undefined;
const ctxFor = (connections = {}) => ({
  signal: new AbortController().signal,
  clock,
  logger: { debug: nop, info: nop, warn: nop, error: nop },
  attempt: 1,
  idempotencyKey: 'bench',
  run: {
    runId: 'b',
    planName: 'b',
    planTitle: 'b',
    mode: 'rehearsal',
    comms: 'off',
    goLiveMs: 0,
    stepId: 's',
    stepTitle: 's',
  },
  connection: (name) => ({ name, options: {}, ...connections[name] }),
  redact: (t) => t,
});

async function time(label, fn) {
  for (let i = 0; i < 20; i++) await fn(); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await fn();
  const perCall = Number(process.hrtime.bigint() - start) / 1e6 / N;
  console.log(`${label.padEnd(44)} ${perCall.toFixed(3)} ms/call`);
  return perCall;
}

const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"status":"ok","db":{"ok":true}}');
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/healthz`;
const bare = () =>
  new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end();
  });
const params = httpCheckParams.parse({
  url,
  expect: { status: 200, json: { path: '$.db.ok', equals: true } },
});
const httpLower = await time('lower bound: bare node:http request', bare);
const httpCheck = await time('http.check (status + JSON path)', () =>
  httpCheckAction.execute(ctxFor(), params),
);
console.log(
  `http.check overhead: ${(httpCheck - httpLower).toFixed(3)} ms/call (${(httpCheck / httpLower).toFixed(2)}x)`,
);
server.close();

const dir = mkdtempSync(join(tmpdir(), 'tminus-bench-'));
const file = join(dir, 'b.db');
const db = new Database(file);
db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
db.transaction(() => {
  for (let i = 0; i < 10_000; i++) insert.run(`v${i}`);
})();
db.close();
const sqlLower = await time('lower bound: open + query + close (direct)', () => {
  const d = new Database(file, { readonly: true });
  d.prepare('SELECT count(*) AS n FROM t').get();
  d.close();
});
const ctx = ctxFor({ db: { kind: 'sqlite', url: `sqlite://${file}` } });
const assertParams = sqlAssertParams.parse({
  connection: 'db',
  query: 'SELECT count(*) AS n FROM t',
  expect: { value: 10_000 },
});
const sqlAssert = await time('sql.assert on SQLite (count = 10000)', () =>
  sqlAssertAction.execute(ctx, assertParams),
);
console.log(
  `sql.assert overhead: ${(sqlAssert - sqlLower).toFixed(3)} ms/call (${(sqlAssert / sqlLower).toFixed(2)}x)`,
);
rmSync(dir, { recursive: true, force: true });
