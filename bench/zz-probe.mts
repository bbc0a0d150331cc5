import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { pgDatabases } from './engine-support.js';
import { runStarted, ev } from '../test/support/run-events.js';

const N = Number(process.env.ROUNDS ?? 3000);
let t1 = 0, t2 = 0, t3 = 0, tu = 0;
const hooked = new WeakSet<object>();
const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  t1 = performance.now();
  const c = this as unknown as { connection: { stream: NodeJS.EventEmitter } };
  if (!hooked.has(c)) {
    hooked.add(c);
    const st = c.connection.stream as unknown as { uncork: () => void; prependListener: (e: string, f: () => void) => void };
    st.prependListener('data', () => { t3 = performance.now(); });
    const un = st.uncork.bind(st);
    st.uncork = () => { tu = performance.now(); un(); };
  }
  const r = query.apply(this, args);
  t2 = performance.now();
  return r;
} as never;
import { createRequire } from 'node:module';
const Result = createRequire(import.meta.url)('pg/lib/result.js') as { prototype: { addFields: (f: unknown) => void } };
const af = Result.prototype.addFields;
let afTotal = 0, afCount = 0;
const parts = [0, 0, 0];
Result.prototype.addFields = function (this: any, fieldDescriptions: any) {
  const t = performance.now();
  this.fields = fieldDescriptions;
  if (this.fields.length) this._parsers = new Array(fieldDescriptions.length);
  const row = Object.create(null);
  const ta = performance.now();
  for (let i = 0; i < fieldDescriptions.length; i++) {
    const desc = fieldDescriptions[i];
    row[desc.name] = null;
    this._parsers[i] = this._types ? this._types.getTypeParser(desc.dataTypeID, desc.format || 'text') : null;
  }
  const tb = performance.now();
  this._prebuiltEmptyResultObject = { ...row };
  const tc = performance.now();
  parts[0] += ta - t; parts[1] += tb - ta; parts[2] += tc - tb;
  afTotal += tc - t; afCount++;
};
process.on('exit', () => console.log('parts µs', parts.map((p) => (p / afCount * 1000).toFixed(2)).join(' ')));
process.on('exit', () => console.log(`addFields ${(afTotal / afCount * 1000).toFixed(2)} µs x ${afCount}`));
const dbs = pgDatabases();
const url = await dbs.create();
const store = await PostgresStore.open(url);
await store.createRun('r', [runStarted()]);
let seq = 1;
const d: number[][] = [[], [], [], [], [], []];
for (let i = 0; i < N; i++) {
  const events = [
    ev({ type: 'step.succeeded', stepId: `t${i}`, attempt: 1, summary: 'ok' } as never, 1000 + i, 'executor'),
    ev({ type: 'step.started', stepId: `t${i + 1}`, attempt: 1 } as never, 1000 + i, 'executor'),
  ];
  const t0 = performance.now();
  const r = await store.append('r', seq, events);
  const t4 = performance.now();
  if (!r.ok) throw new Error('not ok');
  seq += 2;
  if (i >= 200) { d[0]!.push(t1 - t0); d[1]!.push(t2 - t1); d[2]!.push(t3 - t2); d[3]!.push(t4 - t3); d[4]!.push(t4 - t0); d[5]!.push(t2 - tu); }
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]! * 1000;
console.log(`append→query ${med(d[0]!).toFixed(1)} µs | query→sent ${med(d[1]!).toFixed(1)} µs | sent→data ${med(d[2]!).toFixed(1)} µs | data→resolved ${med(d[3]!).toFixed(1)} µs | total ${med(d[4]!).toFixed(1)} µs | uncork→sent ${med(d[5]!).toFixed(1)} µs`);
if (process.env.SKIP_BOUND) { await store.close(); await dbs.dropAll(); process.exit(0); }
// The bound: one-row INSERT on a client of its own, unnamed, the same timings.
const c = new pg.Client({ connectionString: url });
await c.connect();
await c.query('CREATE TABLE b (run_id text, seq integer, at_ms bigint, actor text, type text, data text, prev_hash text, hash text, mac text, PRIMARY KEY (run_id, seq))');
const b: number[][] = [[], [], [], [], []];
for (let i = 0; i < N; i++) {
  const t0 = performance.now();
  await c.query({ text: 'INSERT INTO b VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)', values: ['r', i, 1000 + i, 'executor', 'step.started', '{"type":"step.started","stepId":"t1","attempt":1}', 'a'.repeat(64), 'b'.repeat(64), 'c'.repeat(64)] });
  const t4 = performance.now();
  if (i >= 200) { b[0]!.push(t2 - t1); b[1]!.push(t3 - t2); b[2]!.push(t4 - t3); b[3]!.push(t4 - t0); b[4]!.push(t2 - tu); }
}
console.log(`bound: query→sent ${med(b[0]!).toFixed(1)} µs | sent→data ${med(b[1]!).toFixed(1)} µs | data→resolved ${med(b[2]!).toFixed(1)} µs | total ${med(b[3]!).toFixed(1)} µs | uncork→sent ${med(b[4]!).toFixed(1)} µs`);
await c.end();
await store.close();
await dbs.dropAll();
