import { spawn } from 'node:child_process';
import pg from 'pg';
const db = process.argv[2]!;
const out = process.argv[3]!;
const stmts = process.argv.slice(4);
const c = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:5432/${db}` });
await c.connect();
await c.query('SET jit = off');
const pid = Number((await c.query('SELECT pg_backend_pid() AS p')).rows[0].p);
const p = spawn('perf', ['record', '-g', '-o', out, '-p', String(pid)], { stdio: 'inherit' });
await new Promise((r) => setTimeout(r, 500));
for (const s of stmts) {
  const t = process.hrtime.bigint();
  await c.query(s);
  console.log(`${(Number(process.hrtime.bigint() - t) / 1e6).toFixed(0)} ms ${s.slice(0, 50)}`);
}
p.kill('SIGINT');
await new Promise((r) => p.on('exit', r));
await c.end();
