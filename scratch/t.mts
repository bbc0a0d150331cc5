import { z } from 'zod';
import { planSchema } from '../src/core/plan-schema.ts';
const js = z.toJSONSchema(planSchema, { io: 'input' });
console.log(JSON.stringify(js).length);
const r = planSchema.safeParse({ version: 1, name: 'x', roles: {}, phases: [{ id: 'a', at: 'T-0', tasks: [{ id: 'b', ownr: 1, estimate: '5x' }] }], foo: 1 });
console.log(JSON.stringify(r.error?.issues, null, 1));
