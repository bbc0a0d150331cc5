import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import pg from 'pg';
import { z } from 'zod';
import { ActionRegistry } from '../src/actions/action-registry.js';
import { ACTION_TYPES } from '../src/core/action-types.js';
import { loadPlan } from '../src/core/plan/load-plan.js';
import type { Plan } from '../src/core/plan/plan.js';
import type { ActionDefinition } from '../src/engine/action.js';
import type { RunStarted } from '../src/engine/run-session.js';

/** An action that does nothing, so what is measured is the engine and the store. */
export const noopAction: ActionDefinition<Record<string, unknown>> = {
  type: 'noop',
  description: 'does nothing',
  params: z.record(z.string(), z.unknown()),
  idempotent: true,
  execute: () => Promise.resolve({ summary: 'ok' }),
};

export const registry = () => new ActionRegistry().register(noopAction);

export function load(text: string): Plan {
  const r = registry();
  const { plan, issues } = loadPlan(text, { actions: { types: [...ACTION_TYPES, ...r.types()] } });
  if (!plan) throw new Error(issues.map((i) => i.message).join('\n'));
  return plan;
}

/**
 * A no-op plan of `phases` phases of `perPhase` tasks, 70 % of them after one earlier task of their phase
 * (the same plan for the same sizes: a fixed seed).
 */
export function noopPlanText(phases: number, perPhase: number): string {
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const lines: string[] = [];
  for (let p = 0; p < phases; p++) {
    lines.push(`  - id: p${p}\n    at: T-0\n    tasks:`);
    for (let i = 0; i < perPhase; i++) {
      const dep = i > 0 && rand() < 0.7 ? `, after: [t${p}-${Math.floor(rand() * i)}]` : '';
      lines.push(`      - { id: t${p}-${i}, owner: ops, action: noop${dep} }`);
    }
  }
  return `version: 1\nname: big\nroles: { ops: { members: [bob] } }\nphases:\n${lines.join('\n')}\n`;
}

export const tempStore = (name: string): string =>
  join(mkdtempSync(join(tmpdir(), 'tminus-bench-')), `${name}.db`);

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export const ms = (n: number): string => `${n.toFixed(2)} ms`;

const PG_ADMIN = process.env.TMINUS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Fresh databases on the local PostgreSQL (127.0.0.1:5432) for one bench run; `dropAll` removes them. */
export function pgDatabases(): { create(): Promise<string>; dropAll(): Promise<void> } {
  const created: string[] = [];
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: PG_ADMIN });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  return {
    async create() {
      const name = `tminus_bench_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
      created.push(name);
      await admin(`CREATE DATABASE ${name}`);
      const url = new URL(PG_ADMIN);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async dropAll() {
      for (const name of created.splice(0)) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** One commit on PostgreSQL: a one-row INSERT in autocommit, over an open connection (p50 of `n`). */
export async function pgCommits(url: string, n: number): Promise<number[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('CREATE TABLE IF NOT EXISTS bench_commit (id serial PRIMARY KEY, body text NOT NULL)');
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = performance.now();
      await c.query('INSERT INTO bench_commit (body) VALUES ($1)', [`commit ${i}`]);
      times.push(performance.now() - s);
    }
    return times;
  } finally {
    await c.end();
  }
}

/** The 1-minute load average, as `uptime` shows it. */
export const load1 = (): string => loadavg()[0]!.toFixed(2);

/** The `run.started` of a bench's rehearsal of `text`: speed 1, nobody to approve, no messages sent. */
export const benchRunStarted = (name: string, text: string, goLiveMs: number): RunStarted => ({
  type: 'run.started',
  planName: name,
  planTitle: name,
  planText: text,
  planPath: '.',
  mode: 'rehearsal',
  goLiveMs,
  dryRun: false,
  autoApprove: false,
  comms: 'off',
  speed: 1,
  rollbackSteps: [],
});

/**
 * CPU time of this process's main thread and of all its other threads (V8's compiler and GC helpers, libuv),
 * in ms, from Linux's per-thread scheduler statistics; undefined elsewhere. `process.cpuUsage` counts both:
 * this tells the JavaScript that ran from the optimizing compiler's work on the side.
 */
export function threadCpuMs(): { main: number; others: number } | undefined {
  const dir = '/proc/self/task';
  if (!existsSync(dir)) return undefined;
  let main = 0;
  let others = 0;
  for (const tid of readdirSync(dir)) {
    let ns: number;
    try {
      ns = Number(readFileSync(`${dir}/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      continue; // the thread ended meanwhile
    }
    if (Number(tid) === process.pid) main += ns / 1e6;
    else others += ns / 1e6;
  }
  return { main, others };
}

/** The CPU of each kind of thread between two `threadCpuMs` readings, for a bench's output. */
export function threadCpuSince(before: ReturnType<typeof threadCpuMs>): string {
  const now = threadCpuMs();
  if (!before || !now) return 'per-thread CPU not available here';
  return `main thread ${ms(now.main - before.main)}, other threads ${ms(now.others - before.others)}`;
}
