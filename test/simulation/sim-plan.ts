import { formatOffset } from '../../src/core/plan/offset.js';

/** A small seeded PRNG (mulberry32): the same seed always gives the same case. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rng = () => number;
export const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
export const int = (r: Rng, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

export const ROLES = { lead: ['p1'], ops: ['p2', 'p3'], dba: ['p4'], biz: ['p5', 'p1'] } as const;
const ROLE_IDS = Object.keys(ROLES);

/**
 * A random but valid plan: phases at increasing offsets, tasks of every kind, dependencies only backwards
 * (same or earlier phase), gates with quorums and deadlines, retries and timeouts, rollback steps and
 * criteria. Returned as a JSON plan document, so it goes through the real loader.
 */
export function generatePlan(r: Rng): Record<string, unknown> {
  const phases: Record<string, unknown>[] = [];
  const earlier: string[] = [];
  const automated: string[] = [];
  let at = -int(r, 2, 6) * 3_600_000;
  let n = 0;
  const phaseCount = int(r, 1, 4);
  for (let p = 0; p < phaseCount; p++) {
    const tasks: Record<string, unknown>[] = [];
    const inPhase: string[] = [];
    for (let i = int(r, 1, 5); i > 0; i--) {
      const id = `t${++n}`;
      const candidates = [...earlier, ...inPhase];
      const after = candidates.filter(() => r() < 0.25).slice(0, 3);
      const kind = r();
      const task: Record<string, unknown> = { id, ...(after.length ? { after } : {}) };
      if (kind < 0.3) {
        task.owner = pick(r, ROLE_IDS);
      } else if (kind < 0.75) {
        task.owner = pick(r, ROLE_IDS);
        task.action = r() < 0.5 ? 'sim.once' : 'sim.idem';
        task.with = { ms: int(r, 1, 40) * 60_000, failRate: pick(r, [0, 0, 0.2, 0.5]) };
        if (r() < 0.3) task.idempotent = r() < 0.5;
        if (r() < 0.4) {
          task.retry = { attempts: int(r, 1, 3), backoff: `${int(r, 1, 10)}m`, factor: 2, maxBackoff: '15m' };
        }
        if (r() < 0.3) task.timeout = `${int(r, 5, 60)}m`;
        automated.push(id);
      } else if (kind < 0.88) {
        task.type = 'gate';
        task.voters = [...new Set([pick(r, ROLE_IDS), pick(r, ROLE_IDS)])];
        task.quorum = pick(r, ['all', 'majority', 1] as const);
        if (r() < 0.5) {
          task.deadline = formatOffset(at + int(r, 10, 120) * 60_000);
          task.onTimeout = pick(r, ['go', 'no-go'] as const);
        }
        if (r() < 0.3) task.requires = ['checklist'];
      } else {
        task.type = 'wait';
        task.until = formatOffset(at + int(r, 0, 90) * 60_000);
      }
      tasks.push(task);
      inPhase.push(id);
    }
    phases.push({ id: `ph${p + 1}`, at: formatOffset(at), tasks });
    earlier.push(...inPhase);
    at += int(r, 0, 3) * 3_600_000;
  }
  const steps: Record<string, unknown>[] = [];
  for (let i = int(r, 0, 3); i > 0; i--) {
    const id = `rb${steps.length + 1}`;
    steps.push(
      r() < 0.5
        ? { id, title: id, owner: pick(r, ROLE_IDS), budget: '10m' }
        : {
            id,
            title: id,
            owner: pick(r, ROLE_IDS),
            budget: '10m',
            action: r() < 0.5 ? 'sim.once' : 'sim.idem',
            with: { ms: int(r, 1, 10) * 60_000, failRate: pick(r, [0, 0.3]) },
          },
    );
  }
  const criteria: Record<string, unknown>[] = [
    { id: 'manual-call', title: 'A person calls it', when: 'manual' },
  ];
  if (automated.length > 0 && r() < 0.5) {
    criteria.push({ id: 'task-broke', title: 'A task failed', task: pick(r, automated) });
  }
  return {
    version: 1,
    name: 'sim',
    roles: Object.fromEntries(Object.entries(ROLES).map(([k, v]) => [k, { members: [...v] }])),
    defaults: r() < 0.5 ? { concurrency: int(r, 1, 3) } : undefined,
    checklist: {
      ready: [
        { id: 'c-manual', title: 'signed', owner: 'lead' },
        {
          id: 'c-auto',
          title: 'checked',
          owner: 'ops',
          check: { action: 'sim.idem', with: { ms: 60_000, failRate: 0 } },
        },
      ],
    },
    phases,
    rollback: {
      auto: r() < 0.3,
      ...(r() < 0.5 ? { decisionDeadline: `${int(r, 5, 60)}m` } : {}),
      criteria,
      steps,
    },
  };
}
