import { performance } from 'node:perf_hooks';
import { SqliteStore } from '/work/wt/engine-speed-2/src/store/sqlite/sqlite-store.js';
import { foldRun } from '/work/wt/engine-speed-2/src/core/run-state.js';
import { foldWatch } from '/work/wt/engine-speed-2/src/core/watch-state.js';
import { storedPlan } from '/work/wt/engine-speed-2/src/core/stored-plan.js';
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const t = (label: string, f: () => unknown) => { const c = cpu(); const w = performance.now(); const r = f(); console.log(label, (performance.now() - w).toFixed(0), 'wall', (cpu() - c).toFixed(0), 'cpu'); return r; };
const store = SqliteStore.open('/tmp/es2/base/.tminus/tminus.db');
for (let i = 0; i < 2; i++) {
  const ev = await (t('read', () => store.readEvents('r')) as Promise<any>);
  const plan = await (t('plan', () => storedPlan({ text: ev[0].data.planText, document: ev[0].data.planDocument }, 'x')) as Promise<any>);
  t('foldRun', () => foldRun(ev));
  t('foldWatch', () => foldWatch(plan, ev));
}
