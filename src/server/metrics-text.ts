import type { RunView } from './run-view.js';

/**
 * The cutover in Prometheus text exposition format (version 0.0.4), computed at scrape time from the
 * runs' views. Hand-written: every value is derived on scrape, so a client library's registry of
 * long-lived counters would only add state to keep in sync.
 */
export function metricsText(views: readonly RunView[]): string {
  const out: string[] = [];
  const label = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  const family = (name: string, help: string, type: 'gauge' | 'counter', rows: [string, number][]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of rows) {
      out.push(`${name}{${labels}} ${Number.isFinite(value) ? value : 'NaN'}`);
    }
  };
  const run = (v: RunView) => `run="${label(v.run.id)}"`;
  family(
    'tminus_run_info',
    'One per run: plan, mode and status as labels.',
    'gauge',
    views.map((v) => [
      `${run(v)},plan="${label(v.run.planName)}",mode="${v.run.mode}",status="${v.run.status}",outcome="${v.run.outcome ?? ''}"`,
      1,
    ]),
  );
  const STATES = ['pending', 'waiting', 'running', 'retrying', 'held', 'succeeded', 'skipped', 'abandoned'];
  family(
    'tminus_steps',
    'Tasks and rollback steps by state.',
    'gauge',
    views.flatMap((v) => {
      const all = [...v.tasks, ...v.rollbackSteps];
      return STATES.map((s): [string, number] => [
        `${run(v)},state="${s}"`,
        all.filter((t) => t.state.status === s).length,
      ]);
    }),
  );
  family(
    'tminus_late_steps',
    'Tasks past their planned finish (open, or finished late).',
    'gauge',
    views.map((v) => [run(v), v.tasks.filter((t) => t.lateMs > 0).length]),
  );
  family(
    'tminus_step_lateness_seconds',
    'How late each late task is, in seconds.',
    'gauge',
    views.flatMap((v) =>
      v.tasks
        .filter((t) => t.lateMs > 0)
        .map((t): [string, number] => [`${run(v)},step="${label(t.id)}"`, t.lateMs / 1000]),
    ),
  );
  family(
    'tminus_seconds_to_go_live',
    'Seconds from now (run clock) to T-0; negative after T-0.',
    'gauge',
    views.map((v) => [run(v), (v.run.goLiveMs - v.clock.nowMs) / 1000]),
  );
  family(
    'tminus_seconds_to_point_of_no_return',
    'Seconds until a rollback no longer fits the window; negative once passed.',
    'gauge',
    views
      .filter((v) => v.schedule.pointOfNoReturnMs !== null)
      .map((v) => [run(v), (v.run.goLiveMs + (v.schedule.pointOfNoReturnMs ?? 0) - v.clock.nowMs) / 1000]),
  );
  family(
    'tminus_rollback_active',
    '1 while the run is rolling back or rolled back.',
    'gauge',
    views.map((v) => [run(v), v.run.rollback ? 1 : 0]),
  );
  family(
    'tminus_criteria_fired',
    'Rollback criteria that fired.',
    'gauge',
    views.map((v) => [run(v), Object.keys(v.run.firedCriteria).length]),
  );
  family(
    'tminus_events',
    'Events in the run journal.',
    'counter',
    views.map((v) => [run(v), v.run.lastSeq]),
  );
  return out.join('\n') + '\n';
}
