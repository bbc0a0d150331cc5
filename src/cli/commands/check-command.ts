import { dirname } from 'node:path';
import type { RunEventData } from '../../core/run-event.js';
import { TminusError, coerceError } from '../../core/tminus-error.js';
import { Redactor } from '../../engine/redactor.js';
import { runAction } from '../../engine/run-action.js';
import { SystemClock } from '../../engine/system-clock.js';
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../cli-io.js';
import type { StoreOptions } from '../run-context.js';
import { currentRunTime, openRun } from '../run-context.js';
import { createStyle } from '../style.js';
import { actCommand } from './act-command.js';

/**
 * `tminus check`: runs every automated readiness check now and records its evidence in the run;
 * `tminus check --sign ITEM --as PERSON` signs off a manual item. Exit 1 while anything is not ready.
 */
export async function checkCommand(
  options: StoreOptions & { sign?: string; as?: string; note?: string; json?: boolean },
  io: CliIo,
): Promise<number> {
  if (options.sign !== undefined) {
    return actCommand(options, io, {
      kind: 'sign',
      itemId: options.sign,
      ...(options.note ? { note: options.note } : {}),
    });
  }
  const { store, runId, plan, state, actions } = await openRun(options, io);
  const style = createStyle(io.stdout);
  try {
    if (state.status === 'ended') {
      throw new TminusError(
        'RUN_ENDED',
        `run ${runId} has ended (${state.outcome ?? 'ended'}); start a new run to check readiness`,
      );
    }
    const redactor = new Redactor();
    const recorded: Extract<RunEventData, { type: 'check.recorded' }>[] = [];
    for (const item of plan.checklist) {
      if (!item.check) continue;
      try {
        const r = await runAction({
          plan,
          call: item.check,
          actions,
          clock: new SystemClock(),
          logger: {
            debug: () => undefined,
            info: () => undefined,
            warn: () => undefined,
            error: () => undefined,
          },
          redactor,
          secrets: { env: io.env, baseDir: dirname(state.planPath) },
          signal: new AbortController().signal,
          attempt: 1,
          dryRun: state.dryRun,
          run: {
            runId,
            mode: state.mode,
            comms: state.comms,
            goLiveMs: state.goLiveMs,
            stepId: item.id,
            stepTitle: item.title,
          },
        });
        recorded.push({
          type: 'check.recorded',
          itemId: item.id,
          ok: true,
          summary: r.summary,
          ...(r.output ? { evidence: r.output } : {}),
        });
      } catch (thrown) {
        const e = coerceError(thrown);
        recorded.push({
          type: 'check.recorded',
          itemId: item.id,
          ok: false,
          summary: `${e.code}: ${e.message}`,
        });
      }
    }
    let seq = state.lastSeq;
    const atMs = await currentRunTime(store, state, io.now());
    for (;;) {
      const r = await store.append(
        runId,
        seq,
        recorded.map((data) => ({
          atMs,
          actor: 'system',
          data: redactor.redactValue(data),
        })),
      );
      if (r.ok) break;
      seq = r.lastSeq;
    }
    const checks = new Map(recorded.map((d) => [d.itemId, d]));
    const rows = plan.checklist.map((item) => {
      const fresh = checks.get(item.id);
      const signed = state.checks[item.id]?.signed === true;
      const ok = fresh ? fresh.ok : signed;
      const summary = fresh
        ? fresh.summary
        : signed
          ? `signed off by ${state.checks[item.id]?.by}`
          : `needs sign-off by role '${item.owner}'`;
      return { id: item.id, category: item.category, ok, summary };
    });
    if (options.json) io.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    else {
      for (const r of rows) {
        io.stdout.write(`${r.ok ? style.ok('✔') : style.error('✖')} ${r.category}/${r.id}: ${r.summary}\n`);
      }
    }
    return rows.every((r) => r.ok) ? EXIT.ok : EXIT.notOk;
  } finally {
    await store.close();
  }
}
