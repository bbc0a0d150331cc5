import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildOnce } from './build-once.js';
import { ROOT } from './cli.js';

function newest(path: string): number {
  const s = statSync(path);
  return s.isDirectory() ? Math.max(0, ...readdirSync(path).map((n) => newest(join(path, n)))) : s.mtimeMs;
}

/**
 * Builds the dashboard (dist/web) when web/ or the view types it draws are newer than the last build; once,
 * however many test processes ask at the same time.
 */
export function ensureDashboardBuilt(): void {
  const index = join(ROOT, 'dist', 'web', 'index.html');
  const sources = Math.max(
    newest(join(ROOT, 'web')),
    statSync(join(ROOT, 'src', 'core', 'run', 'run-view.ts')).mtimeMs,
  );
  const fresh = () => existsSync(index) && sources <= statSync(index).mtimeMs;
  buildOnce('dashboard', ROOT, fresh, () =>
    execFileSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], {
      cwd: ROOT,
      stdio: 'ignore',
    }),
  );
}
