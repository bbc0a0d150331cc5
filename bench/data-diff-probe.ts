/**
 * Statements run one after another in one new PostgreSQL session, each with its wall time and the backend's user
 * and system CPU (ms) and minor page faults from `/proc/<pid>/stat` around it: what a new backend pays the first
 * time it touches a table's shared buffers (docs/benchmarks.md, branch `diff8`). Needs the server on this host.
 *
 *   npx tsx bench/data-diff-probe.ts <database> "<statement>" ["<statement>" …]
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
const db = process.argv[2]!;
const stmts = process.argv.slice(3);
function stat(pid: number) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { utime: Number(f[11]) * 10, stime: Number(f[12]) * 10, faults: Number(f[7]) };
}
const c = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:5432/${db}` });
await c.connect();
await c.query('SET jit = off');
const pid = Number((await c.query('SELECT pg_backend_pid() AS p')).rows[0].p);
for (const s of stmts) {
  const a = stat(pid);
  const t = process.hrtime.bigint();
  await c.query(s);
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  const b = stat(pid);
  console.log(
    `${ms.toFixed(0).padStart(5)} ms  user ${b.utime - a.utime} sys ${b.stime - a.stime} faults ${b.faults - a.faults}  ${s.slice(0, 60)}`,
  );
}
await c.end();
