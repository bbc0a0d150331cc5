// Benchmark: CLI start. Spawns `tminus --version` and `tminus status` (on a completed rehearsal run) N times
// each, interleaved with a bare `node -e 0` (the lower bound, measured in the same run), and prints the
// median wall time and the median CPU time (user + system, from /usr/bin/time when the machine has it) of
// each, with the ratio to the bound. Target (issue #8): each within 2× the bound.
// Needs `npm run build` first (it runs bin/tminus.js, which loads the bundle in dist/).
// Run: npx tsx bench/cli-start.ts [OTHER_CHECKOUT ...]   (RUNS=15 by default)
// Each OTHER_CHECKOUT (a built copy of tminus, e.g. an older commit) is measured alongside, interleaved, so
// before and after come from the same minutes of the same machine.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const RUNS = Number(process.env.RUNS ?? 15);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHECKOUTS = [ROOT, ...process.argv.slice(2).map((p) => resolve(p))];
const TIME = '/usr/bin/time';
const hasTime = existsSync(TIME);
const dir = mkdtempSync(join(tmpdir(), 'tminus-bench-cli-'));
const env = { ...process.env, NO_COLOR: '1', TMINUS_TEST_OUT: join(dir, 'out.txt') };
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');

interface Sample {
  readonly wallMs: number;
  /** User + system CPU of the child, when /usr/bin/time is there. */
  readonly cpuMs: number | undefined;
}

function spawnTimed(args: string[]): Sample {
  const cpuFile = join(dir, 'cpu.txt');
  const [command, argv] = hasTime
    ? [TIME, ['-f', '%U %S', '-o', cpuFile, process.execPath, ...args]]
    : [process.execPath, args];
  const start = performance.now();
  const r = spawnSync(command, argv, { cwd: dir, env, encoding: 'utf8' });
  const wallMs = performance.now() - start;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  if (!hasTime) return { wallMs, cpuMs: undefined };
  const [user, sys] = readFileSync(cpuFile, 'utf8').trim().split(/\s+/).map(Number);
  return { wallMs, cpuMs: ((user ?? NaN) + (sys ?? NaN)) * 1000 };
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

try {
  // A finished run to look at, made by a path that cannot time out: the rehearsal plan without its gate's
  // deadline, every person's part auto-approved, actions dry-run. However slow the machine, it completes.
  const plan = readFileSync(join(ROOT, 'test', 'fixtures', 'rehearsal.yaml'), 'utf8')
    .split('\n')
    .filter((l) => !/^\s*(deadline|onTimeout):/.test(l))
    .join('\n');
  writeFileSync(join(dir, 'plan.yaml'), plan);
  const BIN = join(ROOT, 'bin', 'tminus.js');
  const runArgs = [
    'run',
    'plan.yaml',
    '--dry-run',
    '--auto-approve',
    '--speed',
    '10000',
    '--go-live',
    'now+3h',
  ];
  const run = spawnSync(process.execPath, [BIN, ...runArgs], { cwd: dir, env, encoding: 'utf8' });
  if (!/outcome: completed/.test(run.stdout)) {
    throw new Error(`the rehearsal run did not complete: ${run.stdout}${run.stderr}`);
  }
  const loadBefore = load();
  const bound: Sample[] = [];
  const measured = CHECKOUTS.map(() => ({ version: [] as Sample[], status: [] as Sample[] }));
  for (let i = 0; i < RUNS; i++) {
    bound.push(spawnTimed(['-e', '0']));
    CHECKOUTS.forEach((checkout, c) => {
      const bin = join(checkout, 'bin', 'tminus.js');
      measured[c]!.version.push(spawnTimed([bin, '--version']));
      measured[c]!.status.push(spawnTimed([bin, 'status']));
    });
  }
  const wall = (s: Sample[]) => median(s.map((x) => x.wallMs));
  const cpu = (s: Sample[]) => (hasTime ? median(s.map((x) => x.cpuMs!)) : undefined);
  const bw = wall(bound);
  const bc = cpu(bound);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
  console.log(
    `load average (1 / 5 / 15 min): ${loadBefore} before, ${load()} after; median of ${RUNS} spawns each`,
  );
  const cpuText = (c: number | undefined, b: number | undefined) =>
    c === undefined || b === undefined
      ? ''
      : `   CPU ${c.toFixed(0).padStart(5)} ms (${(c / b).toFixed(2)}×)`;
  console.log(
    `${'lower bound (node -e 0):'.padEnd(44)}wall ${bw.toFixed(0).padStart(5)} ms${cpuText(bc, bc)}`,
  );
  CHECKOUTS.forEach((checkout, c) => {
    const label = checkout === ROOT ? '' : ` [${checkout}]`;
    for (const [name, values] of [
      ['tminus --version', measured[c]!.version],
      ['tminus status (completed run)', measured[c]!.status],
    ] as const) {
      const w = wall(values);
      console.log(
        `${`${name}${label}:`.padEnd(44)}wall ${w.toFixed(0).padStart(5)} ms (${(w / bw).toFixed(2)}× bound; target 2×)${cpuText(cpu(values), bc)}`,
      );
    }
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
