import Database from 'better-sqlite3';
import { performance } from 'node:perf_hooks';
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const t = (label: string, f: () => unknown) => { const c = cpu(); const w = performance.now(); const r = f(); console.log(label, (performance.now() - w).toFixed(0), 'wall', (cpu() - c).toFixed(0), 'cpu'); return r; };
const db = new Database('/tmp/es2/base/.tminus/tminus.db', { readonly: true });
const q = 'SELECT seq, at_ms, actor, data, prev_hash, hash FROM events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?';
for (let i = 0; i < 3; i++) {
  t('select *', () => db.prepare('SELECT * FROM events WHERE run_id=? ORDER BY seq').all('r'));
  const rows = t('select 6 obj', () => db.prepare(q).all('r', 0, -1)) as any[];
  const raw = t('select 6 raw', () => db.prepare(q).raw().all('r', 0, -1)) as any[];
  t('parse', () => rows.map((r) => JSON.parse(r.data)));
  t('iterate raw', () => { const out = []; for (const r of db.prepare(q).raw().iterate('r', 0, -1) as any) out.push(r); return out; });
  t('data only', () => db.prepare('SELECT data FROM events WHERE run_id=? ORDER BY seq').pluck().all('r'));
}
