import Database from 'better-sqlite3';
import { performance } from 'node:perf_hooks';
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const t = (label: string, f: () => unknown) => { const c = cpu(); const w = performance.now(); const r = f(); console.log(label, (performance.now() - w).toFixed(0), 'wall', (cpu() - c).toFixed(0), 'cpu'); return r; };
const db = new Database('/tmp/es2/base/.tminus/tminus.db', { readonly: true });
console.log(db.prepare("select sql from sqlite_master where name='events'").pluck().get());
console.log(db.prepare("select * from events where seq=5").get());
for (let i = 0; i < 2; i++) {
  for (const cols of ['data', 'seq, data', 'seq, at_ms, actor, data', 'hash, data', 'prev_hash, hash', 'seq, at_ms, actor, data, prev_hash, hash'])
  t(cols, () => db.prepare(`SELECT ${cols} FROM events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?`).raw().all('r', 0, -1));
}
