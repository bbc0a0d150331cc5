import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TminusError } from '../core/tminus-error.js';

/** The sample plan the demo rehearses, in the package (`demo/plan.yaml`), from `src/demo` or `dist/demo`. */
export const DEMO_PLAN = fileURLToPath(new URL('../../demo/plan.yaml', import.meta.url));

/** Where this demo's parts really are. */
export interface DemoAddresses {
  readonly proxy: string;
  readonly proxyAdmin: string;
  readonly newApp: string;
  readonly replication: string;
  /** The directory holding legacy.db, new.db, the backup and the reconciliation report. */
  readonly dir: string;
}

/**
 * The plan text this demo runs: `demo/plan.yaml` with its default addresses and relative files replaced by
 * the ports the demo got and the files in its directory. Every default must be there (the plan and the demo
 * cannot drift apart silently).
 */
export function demoPlanText(text: string, at: DemoAddresses): string {
  const replacements: [string, string][] = [
    ["'http://127.0.0.1:8080", `'${at.proxy}`],
    ["'http://127.0.0.1:8081'", `'${at.proxyAdmin}'`],
    ["'http://127.0.0.1:8083", `'${at.newApp}`],
    ["'http://127.0.0.1:8084", `'${at.replication}`],
    ["'sqlite:./legacy.db'", `'sqlite:${join(at.dir, 'legacy.db')}'`],
    ["'sqlite:./new.db'", `'sqlite:${join(at.dir, 'new.db')}'`],
    ["'./legacy-backup.db'", `'${join(at.dir, 'legacy-backup.db')}'`],
    ['./reconciliation.md', `'${join(at.dir, 'reconciliation.md')}'`],
  ];
  let out = text;
  for (const [from, to] of replacements) {
    if (!out.includes(from)) {
      throw new TminusError(
        'USAGE',
        `the demo plan no longer holds ${from}: the demo cannot point it at its parts`,
      );
    }
    out = out.split(from).join(to);
  }
  return out;
}
