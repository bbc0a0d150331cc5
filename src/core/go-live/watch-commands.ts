import { didYouMean } from '../did-you-mean.js';
import { formatOffset } from '../plan/offset.js';
import type { Plan } from '../plan/plan.js';
import { everyone, requireRole, runControlRoles } from '../run/roles.js';
import type { RunEventData } from '../run/run-event.js';
import type { RunState } from '../run/run-state.js';
import { TminusError } from '../tminus-error.js';
import type { Decision } from './watch-event.js';
import type { WatchState } from './watch-state.js';
import { successVerdict } from './go-live-success.js';

/** What a person can ask of the go-live watch. */
export type WatchCommand =
  /** Declare a `manual` criterion (e.g. a security finding): it fires like any other. */
  | { readonly kind: 'declare'; readonly criterionId: string; readonly reason?: string }
  /** Decide a fired criterion; a rollback after the point of no return needs `override`. */
  | {
      readonly kind: 'decide';
      readonly criterionId: string;
      readonly decision: Decision;
      readonly reason?: string;
      readonly override?: boolean;
    }
  /** End the go-live watch in success (with a reason unless every monitor already finished successful). */
  | { readonly kind: 'success'; readonly reason?: string };

const refuse = (message: string, hint?: string): TminusError =>
  new TminusError('REFUSED', message, hint === undefined ? {} : { hint });
const needReason = (what: string, hint: string) =>
  new TminusError('USAGE', `${what} needs a reason`, { hint });

/** The PONR override rule shared by `decide` and `tminus rollback`: after it, only knowingly, with a reason. */
export function requireOverrideAfterPonr(
  ponrAtMs: number | undefined,
  nowMs: number,
  override: boolean,
  goLiveMs: number,
): void {
  if (ponrAtMs === undefined || nowMs < ponrAtMs || override) return;
  throw refuse(
    `the point of no return passed at ${formatOffset(ponrAtMs - goLiveMs)}: a rollback no longer fits the window`,
    'if rolling back is still right, say so explicitly with --override and a --reason',
  );
}

/**
 * Turns a person's watch command into events, after role and state checks (the run's lead roles decide).
 * Pure: `nowMs` and the PONR come from the caller.
 */
export function decideWatchCommand(
  plan: Plan,
  run: RunState,
  watch: WatchState,
  person: string,
  cmd: WatchCommand,
  time: { readonly nowMs: number; readonly ponrAtMs: number | undefined },
): RunEventData[] {
  if (!everyone(plan).includes(person)) {
    throw new TminusError('NOT_ALLOWED', `'${person}' is not a member of any role in plan '${plan.name}'`, {
      hint: `people in this plan: ${everyone(plan).join(', ')}`,
    });
  }
  if (run.status === 'ended') {
    throw new TminusError('RUN_ENDED', `run ${run.runId} has ended (${run.outcome ?? 'ended'})`);
  }
  const reason = cmd.reason?.trim() || undefined;
  if (cmd.kind === 'success') {
    requireRole(plan, person, runControlRoles(plan), 'declare the go-live a success');
    if (run.rollback) throw refuse('the run is rolling back: it cannot be declared a success');
    if (watch.success) throw refuse(`success was already declared by ${watch.success.by}`);
    const pending = Object.keys(run.firedCriteria).filter((id) => !watch.decisions[id]);
    if (pending.length > 0) {
      throw refuse(
        `criteria fired and await a decision: ${pending.join(', ')}`,
        'decide them first: tminus decide CRITERION continue|rollback --reason …',
      );
    }
    const verdict = successVerdict(plan, watch, run.goLiveMs);
    if (!verdict.ready && reason === undefined) {
      const why = [
        ...verdict.watching.map((m) => `${m} still measuring`),
        ...verdict.failing.map((m) => `${m} not successful`),
      ].join(', ');
      throw needReason(
        `declaring success before the monitors agree (${why})`,
        '--reason "why it is a success anyway"',
      );
    }
    return [
      {
        type: 'success.declared',
        basis: verdict.ready && reason === undefined ? 'monitors' : 'person',
        reason: reason ?? 'every monitor finished successful',
        evidence: verdict.evidence,
      },
    ];
  }

  const criterion = plan.rollback.criteria.find((c) => c.id === cmd.criterionId);
  if (!criterion) {
    const ids = plan.rollback.criteria.map((c) => c.id);
    const guess = didYouMean(cmd.criterionId, ids);
    throw new TminusError(
      'UNKNOWN_STEP',
      `no rollback criterion '${cmd.criterionId}' in plan '${plan.name}'`,
      {
        hint: guess ? `did you mean '${guess}'?` : `criteria: ${ids.join(', ') || '(none)'}`,
      },
    );
  }
  requireRole(plan, person, runControlRoles(plan), cmd.kind === 'declare' ? 'declare a criterion' : 'decide');
  if (run.rollback) throw refuse(`the run is already rolling back (started by ${run.rollback.by})`);

  if (cmd.kind === 'declare') {
    if (criterion.when !== 'manual') {
      throw refuse(
        `criterion '${criterion.id}' is judged by tminus (${criterion.when}), not declared`,
        'to roll back for another reason: tminus rollback --reason …',
      );
    }
    if (reason === undefined) throw needReason('a declaration', '--reason "what was found"');
    if (run.firedCriteria[criterion.id] || watch.declared[criterion.id]) {
      throw refuse(`criterion '${criterion.id}' has already fired`);
    }
    return [{ type: 'criterion.declared', criterionId: criterion.id, reason }];
  }

  if (!run.firedCriteria[criterion.id]) {
    throw refuse(`criterion '${criterion.id}' has not fired: nothing to decide`);
  }
  const decided = watch.decisions[criterion.id];
  if (decided) {
    throw refuse(`criterion '${criterion.id}' was already decided: ${decided.decision} by ${decided.by}`);
  }
  if (reason === undefined) throw needReason('a decision', '--reason "why"');
  if (cmd.decision === 'continue') {
    return [
      { type: 'decision.made', criterionId: criterion.id, decision: 'continue', basis: 'person', reason },
    ];
  }
  requireOverrideAfterPonr(time.ponrAtMs, time.nowMs, cmd.override ?? false, run.goLiveMs);
  const override = time.ponrAtMs !== undefined && time.nowMs >= time.ponrAtMs;
  return [
    {
      type: 'decision.made',
      criterionId: criterion.id,
      decision: 'rollback',
      basis: 'person',
      reason,
      ...(override ? { override: true } : {}),
    },
    {
      type: 'rollback.started',
      reason: `criterion '${criterion.id}': ${reason}`,
      criterionId: criterion.id,
      ...(override ? { override: true } : {}),
    },
  ];
}
