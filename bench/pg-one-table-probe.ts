/**
 * Throw-away probe (issue #8, branch pg1table): the chain's two-event append on today's schema against
 * one-table forms, interleaved call by call, each variant on its own connection; wall p50 and the backend's
 * CPU (schedstat) per call.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { PG_MIGRATIONS } from '../src/store/postgres/migrations.js';
import { appendStatement } from '../src/store/postgres/postgres-store.js';

const ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres';
const N = Number(process.env.N ?? 1000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const ONLY = process.env.ONLY?.split(',');
const url = (db: string) => `postgres://postgres@127.0.0.1:5432/${db}`;
const admin = new pg.Client({ connectionString: ADMIN });
await admin.connect();

const dbs: Record<string, string[]> = {
  bare: [
    `CREATE TABLE events (run_id text NOT NULL, seq integer NOT NULL, at_ms bigint NOT NULL, actor text NOT NULL,
     type text NOT NULL, data text NOT NULL, prev_hash text NOT NULL, hash text NOT NULL, mac text, PRIMARY KEY (run_id, seq))`,
  ],
  cur: [],
  m9: [
    // tminus_refusal comes with migration 9.
    `CREATE FUNCTION tminus_fence_holds(p_run_id text, p_holder text, p_epoch bigint) RETURNS boolean LANGUAGE plpgsql AS $$
     BEGIN
       PERFORM FROM leases WHERE run_id = p_run_id AND holder_id = p_holder AND epoch = p_epoch FOR SHARE;
       RETURN FOUND;
     END $$`,
  ],
  none: ['DROP TRIGGER events_in_order ON events'],
  m9w: [
    'DROP TRIGGER events_in_order ON events',
    `CREATE TRIGGER events_in_order BEFORE INSERT ON events FOR EACH ROW
       WHEN (current_setting('tminus.append', true) IS DISTINCT FROM 'statement')
       EXECUTE FUNCTION tminus_events_in_order()`,
  ],
  fk: [
    'DROP TRIGGER events_in_order ON events',
    `ALTER TABLE events ADD COLUMN prev_seq integer GENERATED ALWAYS AS (CASE WHEN seq > 1 THEN seq - 1 END) STORED,
       ADD CONSTRAINT events_after_prev FOREIGN KEY (run_id, prev_seq) REFERENCES events (run_id, seq)`,
    `ALTER TABLE events ADD COLUMN first_of text GENERATED ALWAYS AS (CASE WHEN seq = 1 THEN run_id END) STORED,
       ADD CONSTRAINT events_first_run FOREIGN KEY (first_of) REFERENCES runs (run_id)`,
  ],
  trig: [],
  trig2: [
    `CREATE OR REPLACE FUNCTION tminus_events_in_order() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF NEW.seq = 1 THEN
         IF NOT EXISTS (SELECT 1 FROM runs WHERE run_id = NEW.run_id FOR KEY SHARE) THEN
           RAISE EXCEPTION 'events are appended in order, to a run that exists';
         END IF;
       ELSIF NOT EXISTS (SELECT 1 FROM events WHERE run_id = NEW.run_id AND seq = NEW.seq - 1) THEN
         RAISE EXCEPTION 'events are appended in order';
       END IF;
       RETURN NEW;
     END $$`,
  ],
  stmt: [
    'DROP TRIGGER events_in_order ON events',
    `CREATE FUNCTION tminus_events_in_order_stmt() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF EXISTS (SELECT 1 FROM new_events n WHERE NOT EXISTS (
            SELECT 1 FROM events e WHERE e.run_id = n.run_id AND e.seq = n.seq - 1)
            AND (n.seq > 1 OR NOT EXISTS (SELECT 1 FROM runs r WHERE r.run_id = n.run_id))) THEN
         RAISE EXCEPTION 'events are appended in order';
       END IF;
       RETURN NULL;
     END $$`,
    `CREATE TRIGGER events_in_order_stmt AFTER INSERT ON events REFERENCING NEW TABLE AS new_events
       FOR EACH STATEMENT EXECUTE FUNCTION tminus_events_in_order_stmt()`,
  ],
};

for (const name of Object.keys(dbs)) {
  await admin.query(`DROP DATABASE IF EXISTS pg1table_${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE pg1table_${name}`);
  const c = new pg.Client({ connectionString: url(`pg1table_${name}`) });
  await c.connect();
  // 'cur': the schema before this branch (8 migrations, tminus_try_append); the others: all of them.
  if (name !== 'bare') {
    for (const m of PG_MIGRATIONS.slice(0, name === 'cur' ? 8 : PG_MIGRATIONS.length)) await c.query(m);
  }
  for (const s of dbs[name]!) await c.query(s);
  await c.end();
}

const H = (n: number) => n.toString(16).padStart(64, '0');
let hashN = 1;
const cols = ['run_id', 'seq', 'at_ms', 'actor', 'type', 'data', 'prev_hash', 'hash', 'mac'];
const INS = `INSERT INTO events (${cols.join(', ')})`;

/** VALUES form of two rows, $1 run, $2 expected seq, $3 prev hash; rows from $4 on: at, actor, type, data, hash, mac. */
const valuesRows = (k: number, from: number) =>
  Array.from({ length: k }, (_, i) => {
    const p = from + i * 6;
    const prev = i === 0 ? '$3' : `$${p - 2}`;
    return `($1::text, $2::integer + ${i + 1}, $${p}::bigint, $${p + 1}::text, $${p + 2}::text, $${p + 3}::text, ${prev}::text, $${p + 4}::text, $${p + 5}::text)`;
  }).join(', ');

interface Variant {
  name: string;
  db: string;
  run: string;
  setup?: (c: pg.Client) => Promise<void>;
  call: (c: pg.Client, seq: number, prev: string, h: string[]) => Promise<void>;
  named: boolean;
  options?: string;
  times: number[];
  cpu: number[];
  c?: pg.Client;
  pid?: number;
  seq: number;
  prev: string;
}

const rowVals = (h: string[]) => [
  [String(Date.now()), String(Date.now())],
  ['system', 'system'],
  ['step.succeeded', 'step.started'],
  [
    '{"type":"step.succeeded","stepId":"t1","attempt":1}',
    '{"type":"step.started","stepId":"t2","attempt":1}',
  ],
  h,
  [H(7), H(8)],
];
const flatVals = (h: string[]) => {
  const v = rowVals(h);
  return [0, 1].flatMap((i) => v.map((col) => col[i]));
};
const pgArr = (a: string[]) => `{${a.map((x) => `"${x.replace(/(["\\])/g, '\\$1')}"`).join(',')}}`;

const PRED = `CASE WHEN $2::integer = 0 THEN EXISTS (SELECT 1 FROM runs WHERE run_id = $1)
              ELSE EXISTS (SELECT 1 FROM events WHERE run_id = $1 AND seq = $2 AND hash = $3) END`;
const FENCE = `EXISTS (SELECT 1 FROM leases WHERE run_id = $1 AND holder_id = $16 AND epoch = $17 FOR SHARE)`;
const V2 = `${INS} SELECT * FROM (VALUES ${valuesRows(2, 4)}) AS v WHERE ${PRED}`;
const V2F = `WITH lease AS MATERIALIZED (SELECT 1 FROM leases WHERE run_id = $1 AND holder_id = $16 AND epoch = $17 FOR SHARE)
  ${INS} SELECT * FROM (VALUES ${valuesRows(2, 4)}) AS v WHERE ${PRED} AND EXISTS (SELECT 1 FROM lease)`;
const notify = (ins: string) =>
  `WITH ins AS (${ins} RETURNING seq) SELECT pg_notify('tminus_runs', max(seq) || ' ' || $1::text) AS n FROM ins HAVING count(*) > 0`;
const GS = `${INS} SELECT $1, $2 + i, ($4::bigint[])[i], ($5::text[])[i], ($6::text[])[i], ($7::text[])[i], CASE WHEN i = 1 THEN $3 ELSE ($8::text[])[i - 1] END, ($8::text[])[i], ($9::text[])[i]
  FROM generate_subscripts($8::text[], 1) AS i WHERE ${PRED}`;
void FENCE;

/** A run of its own for a variant (and its lease, when its appends are fenced). */
const newRun = (name: string, fenced: boolean) => async (c: pg.Client) => {
  await c.query(
    `INSERT INTO runs (run_id, plan_name, created_at_ms, head_seq, head_hash) VALUES ($1, 'p', 0, 0, $2)`,
    [name, H(0)],
  );
  if (fenced) await c.query(`INSERT INTO leases VALUES ($1, 'me', 1, 'h', 0, 5)`, [name]);
};
/** A variant's measurements before its first call: nothing timed, the run's genesis head. */
const unmeasured = () => ({ times: [] as number[], cpu: [] as number[], seq: 0, prev: H(0) });

const oneTable = (name: string, db: string, text: string, fenced = false): Variant => ({
  name,
  db,
  run: name,
  named: true,
  setup: newRun(name, fenced),
  call: async (c, seq, prev, h) => {
    const r = await c.query({
      name: 'a',
      text,
      values: [
        name,
        seq,
        prev,
        ...(text === GS ? rowVals(h).map(pgArr) : flatVals(h)),
        ...(fenced ? ['me', 5] : []),
      ],
    });
    if (r.rowCount !== (text.startsWith('WITH ins') ? 1 : 2) && !text.startsWith('WITH lease')) {
      throw new Error(`${name}: ${r.rowCount}`);
    }
  },
  ...unmeasured(),
});

const tryAppend = (name: string, fenced: boolean): Variant => ({
  name,
  db: 'cur',
  run: name,
  named: true,
  setup: newRun(name, fenced),
  call: async (c, seq, prev, h) => {
    const v = rowVals(h);
    const r = await c.query({
      name: 'a',
      text: 'SELECT tminus_try_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) AS refused',
      values: [name, seq, prev, fenced ? 'me' : null, fenced ? 5 : null, ...v.map(pgArr)],
    });
    if (r.rows[0].refused !== null) throw new Error(`${name}: ${r.rows[0].refused}`);
  },
  ...unmeasured(),
});

const LEAN = (pred: string, fence: string) => `WITH ins AS (
  ${INS} SELECT * FROM (VALUES ${valuesRows(2, 6)}) AS v
  WHERE ${fence} ${pred}
  RETURNING seq)
SELECT NULL::text[] AS refused FROM (SELECT pg_notify('tminus_runs', max(seq) || ' ' || $1::text) FROM ins HAVING count(*) > 0) AS hint
UNION ALL
SELECT tminus_refusal($1::text, $4::text, $5::bigint) WHERE NOT EXISTS (SELECT 1 FROM ins)`;
const PRED_EQ = `CASE WHEN $2::integer = 0 THEN EXISTS (SELECT 1 FROM runs WHERE run_id = $1::text) AND NOT EXISTS (SELECT 1 FROM events WHERE run_id = $1::text)
  ELSE EXISTS (SELECT 1 FROM events WHERE run_id = $1::text AND seq = $2::integer AND hash = $3::text)
   AND NOT EXISTS (SELECT 1 FROM events WHERE run_id = $1::text AND seq = $2::integer + 1) END`;
const PRED_LAST = `CASE WHEN $2::integer = 0 THEN EXISTS (SELECT 1 FROM runs WHERE run_id = $1::text) AND NOT EXISTS (SELECT 1 FROM events WHERE run_id = $1::text)
  ELSE EXISTS (SELECT 1 FROM (SELECT seq, hash FROM events WHERE run_id = $1::text ORDER BY seq DESC LIMIT 1) AS last
               WHERE last.seq = $2::integer AND last.hash = $3::text) END`;
const PRED_LAST2 = `coalesce((SELECT seq = $2::integer AND hash = $3::text FROM events WHERE run_id = $1::text ORDER BY seq DESC LIMIT 1),
  $2::integer = 0 AND EXISTS (SELECT 1 FROM runs WHERE run_id = $1::text))`;
const UNF = `$4::text IS NULL AND $5::bigint IS NULL AND`;
const FEN = `tminus_fence_holds($1::text, $4::text, $5::bigint) AND`;
function lean9(name: string, text: string, fenced: boolean): Variant {
  return {
    name,
    db: 'm9',
    run: name,
    named: true,
    setup: newRun(name, fenced),
    call: async (c, seq, prev, h) => {
      const r = await c.query({
        name: 'l',
        text,
        values: [name, seq, prev, fenced ? 'me' : null, fenced ? 5 : null, ...flatVals(h)],
      });
      if (r.rows[0]?.refused !== null) throw new Error(`${name}: ${r.rows[0]?.refused}`);
    },
    ...unmeasured(),
  };
}
function m9(
  name: string,
  fenced: boolean,
  edit: (text: string) => string = (t) => t,
  db = 'm9',
  options?: string,
): Variant {
  const st = { name: 'm9', text: edit(appendStatement(2, fenced).text) };
  return {
    name,
    db,
    ...(options ? { options } : {}),
    run: name,
    named: true,
    setup: newRun(name, fenced),
    call: async (c, seq, prev, h) => {
      const r = await c.query({
        name: st.name,
        text: st.text,
        values: [name, seq, prev, fenced ? 'me' : null, fenced ? 5 : null, ...flatVals(h)],
      });
      if (r.rows[0]?.refused !== null && r.rows[0]?.refused !== undefined) {
        throw new Error(`${name}: ${r.rows[0].refused}`);
      }
    },
    ...unmeasured(),
  };
}

const bareVals = (name: string, seq: number) => [
  name,
  seq,
  Date.now(),
  'system',
  'step.started',
  '{"type":"step.started","stepId":"x","attempt":1}',
  H(9),
  H(9),
  H(9),
];
const BARE = `${INS} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`;
const variants: Variant[] = [
  {
    name: 'bare unnamed (bound)',
    db: 'bare',
    run: 'u',
    named: false,
    call: async (c: pg.Client, seq: number) => void (await c.query(BARE, bareVals('u', seq + 1))),
    times: [],
    cpu: [],
    seq: 0,
    prev: '',
  },
  {
    name: 'bare named',
    db: 'bare',
    run: 'n',
    named: true,
    call: async (c: pg.Client, seq: number) =>
      void (await c.query({ name: 'b', text: BARE, values: bareVals('n', seq + 1) })),
    times: [],
    cpu: [],
    seq: 0,
    prev: '',
  },
  tryAppend('try_append (today)', false),
  tryAppend('try_append fenced (today)', true),
  m9('m9 append statement (branch)', false),
  // The variants that took parts out of the first version (refusal inline, lease CTE always) were measured
  // against it at 00:13 (docs/benchmarks.md) and no longer apply to the built statement.
  m9('m9 append statement fenced (branch)', true),
  m9('m9, guard skipped by WHEN', false, undefined, 'm9w', '-c tminus.append=statement'),
  m9('m9 fenced, guard skipped by WHEN', true, undefined, 'm9w', '-c tminus.append=statement'),
  m9('m9, guard WHEN not skipped', false, undefined, 'm9w'),
  m9('m9, no guard', false, undefined, 'none'),
  lean9('lean: eq+succ pred, fn refusal', LEAN(PRED_EQ, UNF), false),
  lean9('lean: last-row pred, fn refusal', LEAN(PRED_LAST, UNF), false),
  lean9('lean: last-row coalesce pred, fn refusal', LEAN(PRED_LAST2, UNF), false),
  lean9('lean fenced: eq+succ pred, fn fence+refusal', LEAN(PRED_EQ, FEN), true),
  oneTable('2-row VALUES, no check', 'none', `${INS} VALUES ${valuesRows(2, 4)}`),
  oneTable('1t gen_subscripts+pred, no guard', 'none', GS),
  oneTable('1t VALUES+pred, no guard', 'none', V2),
  oneTable('1t VALUES+pred+notify, no guard', 'none', notify(V2)),
  oneTable('1t VALUES+pred+notify, self-FK', 'fk', notify(V2)),
  oneTable('1t VALUES+pred+notify+fence, self-FK', 'fk', notify(V2F), true),
  oneTable('1t VALUES+pred+notify, row trigger (m8)', 'trig', notify(V2)),
  oneTable('1t VALUES+pred+notify, row trigger pred', 'trig2', notify(V2)),
  oneTable('1t VALUES+pred+notify, stmt trigger', 'stmt', notify(V2)),
].filter((v) => !ONLY || ONLY.some((o) => v.name.includes(o)));

// fix the 2-row no-check variant: its prev for row 1 is $3 (no pred) — fine.
for (const v of variants) {
  v.c = new pg.Client({
    connectionString: url(`pg1table_${v.db}`),
    ...(v.options ? { options: v.options } : {}),
  });
  await v.c.connect();
  v.pid = (await v.c.query('SELECT pg_backend_pid() AS p')).rows[0].p;
  await v.setup?.(v.c);
}
const cpuNs = (pid: number) => Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
const step = async (v: Variant, record: boolean) => {
  const h = [H(++hashN), H(++hashN)];
  const s = performance.now();
  await v.call(v.c!, v.seq, v.prev, h);
  if (record) v.times.push(performance.now() - s);
  v.seq += v.name.startsWith('bare') ? 1 : 2;
  v.prev = h[1]!;
};
for (let w = 0; w < 100; w++) for (const v of variants) await step(v, false);
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
const pct = (a: number[], p: number) => [...a].sort((x, y) => x - y)[Math.floor((a.length * p) / 100)]!;
for (let r = 0; r < ROUNDS; r++) {
  const t0 = new Date().toISOString().slice(11, 19);
  const l0 = load();
  for (const v of variants) v.times = [];
  const c0 = variants.map((v) => cpuNs(v.pid!));
  for (let i = 0; i < N; i++) {
    const k = i % variants.length;
    for (let j = 0; j < variants.length; j++) await step(variants[(j + k) % variants.length]!, true);
  }
  const c1 = variants.map((v) => cpuNs(v.pid!));
  const b50 = pct(variants[0]!.times, 50);
  const bcpu = (c1[0]! - c0[0]!) / N / 1000;
  console.log(`round ${r + 1} ${t0} load ${l0}→${load()} N=${N}`);
  variants.forEach((v, i) => {
    const p50 = pct(v.times, 50);
    const cpu = (c1[i]! - c0[i]!) / N / 1000;
    console.log(
      `  ${v.name.padEnd(44)} p50 ${p50.toFixed(3)} ms ${(p50 / b50).toFixed(2)}×  p90 ${pct(v.times, 90).toFixed(3)}  server ${cpu.toFixed(0)} µs ${(cpu / bcpu).toFixed(2)}×`,
    );
  });
}
for (const v of variants) await v.c!.end();
if (!process.env.KEEP) {
  for (const name of Object.keys(dbs)) {
    await admin.query(`DROP DATABASE IF EXISTS pg1table_${name} WITH (FORCE)`);
  }
}
await admin.end();
