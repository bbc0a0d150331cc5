import { z } from 'zod';
import { TminusError } from '../../core/tminus-error.js';
import type { ActionContext, ActionDefinition, ActionPlan, PlannedChange } from '../../engine/action.js';
import { applySettings, checkDesired } from '../shared/traffic/apply-settings.js';
import { awaitServing } from '../shared/traffic/await-serving.js';
import { runStepCheck, stepCheckSchema, type StepCheckResult } from '../shared/traffic/step-check.js';
import {
  targetSchemas,
  refineTarget,
  serverName,
  isSafeName,
  createProvider,
  durationMs,
  durationText,
  type ProviderDeps,
  targetName,
} from '../shared/traffic/traffic-target.js';
import {
  describeSetting,
  type ServerSettings,
  type TrafficProvider,
} from '../shared/traffic/traffic-provider.js';
import { names, shiftSteps } from './traffic-shift-plan.js';

const serverNames = z.union([serverName(), z.array(serverName()).min(1)]);

const shiftShape = {
  weights: z
    .record(z.string(), z.int().min(0))
    .optional()
    .meta({ description: 'Target weight per server, applied at once.' }),
  states: z
    .record(z.string(), z.enum(['ready', 'drain', 'maint']))
    .optional()
    .meta({ description: 'Admin state per server (with or without `weights`), e.g. { legacy: drain }.' }),
  from: serverNames.optional().meta({ description: 'Server(s) traffic moves away from.' }),
  to: serverNames.optional().meta({ description: 'Server(s) traffic moves to.' }),
  steps: z
    .array(z.number().min(0).max(100))
    .min(1)
    .optional()
    .meta({ description: 'Percent to `to` at each step, e.g. [10, 50, 100]; default [100].' }),
  drain: z
    .boolean()
    .optional()
    .meta({ description: 'Drain the `from` servers after the last step reaches 100.' }),
  drainWait: durationText()
    .optional()
    .meta({ description: 'After draining, wait up to this long for their open sessions to end (HAProxy).' }),
  pause: durationText().optional().meta({ description: 'Wait between steps (before the check).' }),
  readyTimeout: durationText().optional().meta({
    description: 'How long `to` servers may take to pass their health check (HAProxy; default 30s).',
  }),
  check: stepCheckSchema.optional(),
};

export const trafficShiftParams = z
  .discriminatedUnion('provider', targetSchemas(shiftShape))
  .superRefine((p, ctx) => {
    refineTarget(p, ctx);
    const hasPair = p.from !== undefined || p.to !== undefined;
    const explicit = p.weights !== undefined || p.states !== undefined;
    if (explicit && hasPair) {
      ctx.addIssue({
        code: 'custom',
        path: ['weights'],
        message: 'give either `weights`/`states` or `from`/`to`, not both',
      });
    } else if (!explicit && (p.from === undefined || p.to === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [
          p.to === undefined && p.from !== undefined
            ? 'to'
            : p.from === undefined && p.to !== undefined
              ? 'from'
              : 'weights',
        ],
        message: 'give `weights: {server: weight}` or both `from` and `to`',
      });
    }
    for (const name of [...Object.keys(p.weights ?? {}), ...Object.keys(p.states ?? {})]) {
      if (!isSafeName(name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['weights', name],
          message: `'${name}': letters, digits and _ . : - only`,
        });
      }
    }
    if (p.weights !== undefined && Object.keys(p.weights).length === 0) {
      ctx.addIssue({ code: 'custom', path: ['weights'], message: '`weights` names no server' });
    }
    if (explicit && p.steps !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['steps'],
        message: '`steps` go with `from`/`to`, not with `weights`',
      });
    }
    const overlap = names(p.from).filter((n) => names(p.to).includes(n));
    if (overlap.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: `'${overlap.join("', '")}' is in both from and to`,
      });
    }
    p.steps?.forEach((s, i) => {
      if (i > 0 && s <= (p.steps?.[i - 1] ?? 0)) {
        ctx.addIssue({ code: 'custom', path: ['steps', i], message: 'steps must increase' });
      }
    });
  });
export type TrafficShiftParams = z.infer<typeof trafficShiftParams>;

interface StepRecord {
  readonly step: string;
  readonly changed: boolean;
  readonly check?: StepCheckResult;
}

const summarize = (s: ServerSettings) =>
  Object.entries(s)
    .map(([n, v]) => `${n} ${describeSetting(v)}`)
    .join(', ');

/**
 * Polls the drained servers' open sessions until none is left or `waitMs` has passed. Sessions still open at
 * the end are reported, not failed: traffic has moved, and long-lived connections may be expected.
 */
async function waitForDrain(
  ctx: ActionContext,
  provider: TrafficProvider,
  servers: readonly string[],
  waitMs: number,
): Promise<{ waitedMs: number; open: number; sessions: Record<string, number> }> {
  const started = ctx.clock.now();
  if (!provider.activeSessions) return { waitedMs: 0, open: 0, sessions: {} };
  for (;;) {
    const all = await provider.activeSessions(ctx.signal);
    const sessions = Object.fromEntries(servers.map((s) => [s, all[s] ?? 0]));
    const open = Object.values(sessions).reduce((a, b) => a + b, 0);
    const waitedMs = ctx.clock.now() - started;
    if (open === 0 || waitedMs >= waitMs) return { waitedMs, open, sessions };
    await ctx.clock.sleep(Math.min(250, waitMs - waitedMs), ctx.signal);
  }
}

/**
 * `traffic.shift`: moves traffic between servers of a load balancer (HAProxy runtime API, nginx upstream
 * file, AWS ALB weighted target groups), at once or in steps with a check between them. A failed check
 * puts back the last good weights and fails the task.
 */
export function createTrafficShiftAction(deps: ProviderDeps = {}): ActionDefinition<TrafficShiftParams> {
  return {
    type: 'traffic.shift',
    description: 'sets load-balancer weights or drains servers, optionally in checked steps',
    params: trafficShiftParams,
    idempotent: true,

    async plan(ctx, params): Promise<ActionPlan> {
      const provider = await createProvider(params, deps, ctx);
      const steps = shiftSteps(params, provider.maxWeight);
      const final = Object.assign({}, ...steps.map((s) => s.desired)) as Record<
        string,
        { weight?: number; state?: 'ready' | 'drain' | 'maint' }
      >;
      let current: ServerSettings | undefined;
      let note: string | undefined;
      try {
        current = await provider.read(ctx.signal);
        checkDesired(provider, current, final);
      } catch (error) {
        note = `current state unknown: ${ctx.redact(error instanceof Error ? error.message : String(error))}`;
      }
      const changes: PlannedChange[] = Object.entries(final).map(([name, want]) => {
        const have = current?.[name];
        const to = describeSetting({
          weight: want.weight ?? have?.weight ?? 0,
          state: want.state ?? have?.state ?? 'ready',
        });
        return {
          target: `${provider.target} server ${name}`,
          ...(current ? { from: describeSetting(have) } : {}),
          to,
          ...(note ? { note } : {}),
        };
      });
      const stepsText =
        steps.length > 1 ? ` in ${steps.length} steps (${steps.map((s) => s.label).join(' → ')})` : '';
      return { summary: `shift ${provider.target}${stepsText}`, changes };
    },

    async execute(ctx, params) {
      const provider = await createProvider(params, deps, ctx);
      const steps = shiftSteps(params, provider.maxWeight);
      const initial = await provider.read(ctx.signal);
      // Check every step's servers and weights before touching anything.
      for (const step of steps) checkDesired(provider, initial, step.desired);
      let lastGood = initial;
      let lastGoodLabel = 'the starting weights';
      const records: StepRecord[] = [];
      for (const [i, step] of steps.entries()) {
        const applied = await applySettings(provider, step.desired, ctx.signal);
        const changed = Object.keys(applied.changes).length > 0;
        // A `to` server just out of maintenance is down until its health check passes: until then the
        // balancer quietly keeps the traffic where it was, so the step has not happened yet.
        const restoreLastGood = () =>
          applySettings(
            provider,
            Object.fromEntries(
              Object.keys(step.desired).flatMap((n) => (lastGood[n] ? [[n, lastGood[n]]] : [])),
            ),
            ctx.signal,
          );
        try {
          await awaitServing(ctx, provider, names(params.to), durationMs(params.readyTimeout, 30_000));
        } catch (error) {
          if (!(error instanceof TminusError)) throw error;
          await restoreLastGood();
          throw new TminusError(
            error.code,
            `${error.message}; put back ${lastGoodLabel}: ${summarize(lastGood)}`,
            {
              cause: error,
              ...(error.hint ? { hint: error.hint } : {}),
            },
          );
        }
        ctx.logger.info(
          `traffic.shift ${step.label}: ${changed ? summarize(applied.after) : 'already there'}`,
          {
            target: provider.target,
          },
        );
        if (params.pause !== undefined && i < steps.length - 1) {
          await ctx.clock.sleep(durationMs(params.pause, 0), ctx.signal);
        }
        let check: StepCheckResult | undefined;
        if (params.check) {
          check = await runStepCheck(params.check, ctx.signal);
          if (!check.ok) {
            await restoreLastGood();
            throw new TminusError(
              'TRAFFIC_CHECK_FAILED',
              ctx.redact(
                `check failed after step ${i + 1}/${steps.length} (${step.label}): ${check.problem ?? 'failed'} ` +
                  `(${check.failures}/${check.samples} probes); put back ${lastGoodLabel}: ${summarize(lastGood)}`,
              ),
              { hint: 'fix the new side, then run the shift again: completed steps are no-ops' },
            );
          }
        }
        const redacted =
          check?.problem !== undefined ? { ...check, problem: ctx.redact(check.problem) } : check;
        records.push({ step: step.label, changed, ...(redacted ? { check: redacted } : {}) });
        lastGood = applied.after;
        lastGoodLabel = `step ${i + 1} (${step.label})`;
      }
      const drained =
        params.drain && params.drainWait !== undefined
          ? await waitForDrain(ctx, provider, names(params.from), durationMs(params.drainWait, 0))
          : undefined;
      const changed = records.some((r) => r.changed);
      return {
        summary:
          (changed
            ? `${provider.target}: ${summarize(initial)} → ${summarize(lastGood)}`
            : `${provider.target} already at target (${summarize(lastGood)})`) +
          (drained && drained.open > 0 ? `; ${drained.open} session(s) still open on drained servers` : ''),
        output: {
          target: provider.target,
          changed,
          before: initial,
          after: lastGood,
          steps: records,
          ...(drained ? { drain: drained } : {}),
        },
      };
    },

    undo(params, output) {
      const before = output.before as ServerSettings | undefined;
      const after = output.after as ServerSettings | undefined;
      if (output.changed !== true || !before || !after) {
        return (
          this.inverse?.(params) ?? {
            nothing: `${String(output.target)} already had these weights when it ran`,
          }
        );
      }
      const moved = Object.keys(after).filter(
        (n) => before[n] && (before[n].weight !== after[n]?.weight || before[n].state !== after[n]?.state),
      );
      const rest: Record<string, unknown> = { ...params };
      for (const key of [
        'from',
        'to',
        'steps',
        'drain',
        'drainWait',
        'pause',
        'readyTimeout',
        'check',
        'weights',
        'states',
      ]) {
        delete rest[key];
      }
      const states = moved.filter((n) => before[n]!.state !== after[n]!.state);
      // Back at once to the weights and states it found, for the servers it changed only.
      return {
        action: 'traffic.shift',
        with: {
          ...rest,
          weights: Object.fromEntries(moved.map((n) => [n, before[n]!.weight])),
          ...(states.length > 0
            ? { states: Object.fromEntries(states.map((n) => [n, before[n]!.state])) }
            : {}),
        },
      };
    },
    touches: (params) => [`traffic weights of ${targetName(params)}`],

    inverse(params) {
      if (params.weights !== undefined || params.states !== undefined) return undefined;
      const rest: Record<string, unknown> = { ...params };
      for (const key of ['steps', 'drain', 'drainWait', 'pause', 'readyTimeout']) delete rest[key];
      // The way back is immediate (no steps): a rollback must not wait on the analysis that just failed.
      return { action: 'traffic.shift', with: { ...rest, from: params.to, to: params.from } };
    },
  };
}

export const trafficShiftAction = createTrafficShiftAction();
