// Benchmark: CLI start. Spawns `tminus --version` and `tminus status` (on a finished rehearsal run) N times
// each, interleaved with a bare `node -e 0` (the lower bound, measured in the same run), and prints
// medians and the ratio to the bound. Target (issue #8): each within 2× the bound.
// Needs `npm run build` first (it runs bin/tminus.js, which loads dist/).
// Run: npx tsx bench/cli-start.ts   (RUNS=15 by default)
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const RUNS = Number(process.env.RUNS ?? 15);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'tminus.js');
const dir = mkdtempSync(join(tmpdir(), 'tminus-bench-cli-'));
const env = { ...process.env, NO_COLOR: '1', TMINUS_TEST_OUT: join(dir, 'out.txt') };

function spawnMs(args: string[]): number {
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: dir, env, encoding: 'utf8' });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

try {
  copyFileSync(join(ROOT, 'test', 'fixtures', 'rehearsal.yaml'), join(dir, 'plan.yaml'));
  // A finished run to look at: the rehearsal ends (its gate times out no-go) at a high clock speed.
  const run = spawnSync(process.execPath, [BIN, 'run', 'plan.yaml', '--auto-approve', '--speed', '10000'], {
    cwd: dir,
    env,
    encoding: 'utf8',
  });
  if (
    !/ended/.test(spawnSync(process.execPath, [BIN, 'status'], { cwd: dir, env, encoding: 'utf8' }).stderr)
  ) {
    throw new Error(`the rehearsal run did not end: ${run.stdout}${run.stderr}`);
  }
  const bound: number[] = [];
  const version: number[] = [];
  const status: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    bound.push(spawnMs(['-e', '0']));
    version.push(spawnMs([BIN, '--version']));
    status.push(spawnMs([BIN, 'status']));
  }
  const b = median(bound);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
  console.log(
    `load average: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; median of ${RUNS} spawns each`,
  );
  console.log(`lower bound (node -e 0):      ${b.toFixed(0)} ms`);
  for (const [name, values] of [
    ['tminus --version', version],
    ['tminus status (ended run)', status],
  ] as const) {
    const m = median(values);
    console.log(`${`${name}:`.padEnd(30)}${m.toFixed(0)} ms  (${(m / b).toFixed(2)}× bound; target 2×)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
