import { loadPlan } from '../src/core/load-plan.ts';
import { computeSchedule } from '../src/core/schedule.ts';
import { readFileSync } from 'node:fs';
const r = loadPlan(readFileSync(process.argv[2]!, 'utf8'));
for (const i of r.issues) console.log(`${i.position?.line}:${i.position?.col} ${i.severity} ${i.code} ${i.message}${i.hint ? ' — ' + i.hint : ''}`);
if (r.plan) console.log(JSON.stringify(computeSchedule(r.plan), null, 0).slice(0, 2000));
