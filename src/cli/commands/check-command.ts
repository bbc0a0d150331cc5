import type { CliIo } from '../cli-io.js';
import { EXIT } from '../cli-io.js';
import type { StoreOptions } from '../run-context.js';
import { cliOrigin, openSession } from '../run-context.js';
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
  const { store, session } = await openSession(options, io);
  const style = createStyle(io.stdout);
  try {
    const { plan, state } = session;
    const recorded = await session.runChecks(cliOrigin());
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
