import Database from 'better-sqlite3';
import { performance } from 'node:perf_hooks';
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const db = new Database('/tmp/es2/doc0/.tminus/tminus.db', { readonly: true });
const q = 'SELECT seq, at_ms, actor, data, prev_hash, hash FROM events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?';
const variant = process.argv[2];
const runId = 'r';
const c = cpu(); const w = performance.now();
let out: any[] = [];
if (variant === 'obj') {
  out = (db.prepare(q).all(runId, 0, -1) as any[]).map((r) => ({ runId, seq: r.seq, atMs: r.at_ms, actor: r.actor, data: JSON.parse(r.data), prevHash: r.prev_hash, hash: r.hash }));
} else if (variant === 'raw') {
  out = (db.prepare(q).raw().all(runId, 0, -1) as any[]).map((r) => ({ runId, seq: r[0], atMs: r[1], actor: r[2], data: JSON.parse(r[3]), prevHash: r[4], hash: r[5] }));
} else if (variant === 'iter') {
  for (const r of db.prepare(q).raw().iterate(runId, 0, -1) as any) out.push({ runId, seq: r[0], atMs: r[1], actor: r[2], data: JSON.parse(r[3]), prevHash: r[4], hash: r[5] });
} else if (variant === 'pages') {
  const st = db.prepare(q).raw();
  let after = 0;
  for (;;) {
    const rows = st.all(runId, after, Number(process.env.PAGE ?? 4096)) as any[];
    for (const r of rows) out.push({ runId, seq: r[0], atMs: r[1], actor: r[2], data: JSON.parse(r[3]), prevHash: r[4], hash: r[5] });
    if (rows.length < Number(process.env.PAGE ?? 4096)) break;
    after = out[out.length - 1].seq;
  }
} else if (variant === 'none') {
  db.prepare('SELECT * FROM events WHERE run_id=? ORDER BY seq').all('r');
}
console.log(variant, out.length, (performance.now() - w).toFixed(0), 'wall', (cpu() - c).toFixed(0), 'cpu');
