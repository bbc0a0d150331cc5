import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ActionRegistry } from '../src/actions/action-registry.js';
import { ACTION_TYPES } from '../src/core/action-types.js';
import { loadPlan } from '../src/core/load-plan.js';
import type { Plan } from '../src/core/plan.js';
import type { ActionDefinition } from '../src/engine/action.js';

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

export const tempStore = (name: string): string =>
  join(mkdtempSync(join(tmpdir(), 'tminus-bench-')), `${name}.db`);

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export const ms = (n: number): string => `${n.toFixed(2)} ms`;
