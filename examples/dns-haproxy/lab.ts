/**
 * The end-to-end example of issue 4: real BIND 9 and HAProxy on loopback, two backends, load through
 * HAProxy during the whole switch, and `plan.yaml` run for real by the engine — once to the end (cutover),
 * once with a rollback drill called by the lead after the switch. Run it with `npm run example:lab`
 * (needs `npm run build`; installs bind9, bind9-dnsutils and haproxy when missing).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { dig } from '../../test/support/dns-lab.js';
import { runLoad, type LoadResult } from '../../test/support/load-generator.js';
import { ensureLabPackages, LAB, startLabServers, type LabServers } from './lab-servers.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'tminus.js');
export const PLAN = join(import.meta.dirname, 'plan.yaml');

/** What one run of the plan did, measured from the outside (dig, the HAProxy runtime API, the load). */
export interface ScenarioResult {
  readonly kind: 'cutover' | 'drill';
  readonly outcome: string | undefined;
  readonly exitCode: number | null;
  readonly auditVerified: boolean;
  readonly requests: number;
  readonly failures: number;
  readonly failureKinds: Readonly<Record<string, number>>;
  /** When the first and last failed requests were sent, ms after the load started. */
  readonly failureWindowMs: readonly [number, number] | undefined;
  /** When the run started and ended, ms after the load started (to read failures against). */
  readonly runWindowMs: readonly [number, number];
  /** Share of answers from each backend over the last second of load (after the run ended). */
  readonly tailShare: { readonly legacy: number; readonly new: number };
  /** DNS and weights seen right after the switch (drill: when the rollback was called). */
  readonly switched:
    { readonly dns: readonly string[]; readonly weights: Record<string, number> } | undefined;
  readonly dns: { readonly values: readonly string[]; readonly ttl: number | undefined };
  /** The same record read with `dig` on the secondary (ns2). */
  readonly secondaryDns: { readonly values: readonly string[]; readonly ttl: number | undefined };
  readonly weights: Record<string, number>;
  /** Run time (plan time) from the DNS switch start to "new serves users", and the same in real time. */
  readonly switchRunMs: number | undefined;
  readonly switchRealMs: number | undefined;
  readonly wallMs: number;
  readonly steps: Record<string, string>;
}

export interface LabOptions {
  /** Rehearsal speed (run clock × speed). Default 120: the 25-minute plan takes about 12 s. */
  readonly speed?: number;
  /** Requests per second through HAProxy. Default 150. */
  readonly rate?: number;
  readonly log?: (line: string) => void;
}

export interface LabResult {
  readonly cutover: ScenarioResult;
  readonly drill: ScenarioResult;
  /** Every expectation that did not hold, in plain words (empty: the lab passed). */
  readonly problems: readonly string[];
}

interface StepView {
  status: string;
  startedAtMs?: number;
  endedAtMs?: number;
}
interface StatusView {
  outcome?: string;
  status: string;
  steps: Record<string, StepView>;
  clockAnchor: { atMs: number; realMs: number; speed: number };
}

/** Resources to release, last started first; `release()` runs them all even if one fails. */
class Cleanup {
  private readonly items: (() => Promise<void> | void)[] = [];
  add(fn: () => Promise<void> | void): void {
    this.items.push(fn);
  }
  async release(): Promise<void> {
    while (this.items.length > 0) {
      try {
        await this.items.pop()!();
      } catch (error) {
        process.stderr.write(`lab cleanup: ${String(error)}\n`);
      }
    }
  }
}

let active: Cleanup | undefined;

/**
 * Runs the tminus CLI without blocking: the backends and the load generator live in this process, and a
 * blocked event loop would fail HAProxy's health checks (every server DOWN, 503s) — not what we measure.
 */
function tminus(args: readonly string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' }, (error, stdout, stderr) =>
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

async function status(store: string): Promise<StatusView | undefined> {
  const r = await tminus(['status', '--json', '--store', store]);
  if (r.status !== 0) return undefined;
  return JSON.parse(r.stdout) as StatusView;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The default rehearsal speed of the lab's runs. */
export const LAB_SPEED = 120;

/** A guard against a hang only: on a loaded machine a run that takes 20 s when quiet can take minutes. */
export const RUN_GUARD_MS = 240_000;

/** Replaces `from` (which must be in `text`) with `to`. */
function rewrite(text: string, from: string, to: string, what: string): string {
  if (!text.includes(from)) throw new Error(`lab: ${what} of plan.yaml is no longer \`${from}\``);
  return text.replace(from, to);
}

/**
 * The drill's copy of plan.yaml. The drill's rollback is called once the switch is checked, while the run
 * watches the new side: on a loaded machine polling `tminus status` and starting `tminus rollback` take
 * seconds, each worth minutes of run time at a sped-up clock. In plan.yaml the 10-minute watch lasts 5 s at
 * ×120, and the point of no return (T+24m: the window's end less the rollback's 6 minutes) comes 10 minutes
 * of run time after the switch is checked; a rollback after it is refused (it needs `--override`) and the
 * run watches on until the guard. The drill's copy watches for a day and its window ends a day later too,
 * so the rollback always finds the run under way and before its point of no return, however slow the
 * machine (the rollback ends the watch at once).
 */
export function drillPlanText(text: string): string {
  const longWatch = rewrite(text, 'with: { duration: 10m }', 'with: { duration: 24h }', 'the hypercare wait');
  return rewrite(
    longWatch,
    'window: { start: T-15m, end: T+30m }',
    'window: { start: T-15m, end: T+25h }',
    'the window',
  );
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => child.pid !== undefined && process.kill(child.pid, 'SIGKILL'), 3000);
  await exited(child);
  clearTimeout(timer);
}

function share(load: LoadResult, env: string, fromMs: number): number {
  return load.share(env, fromMs);
}

async function scenario(
  kind: 'cutover' | 'drill',
  options: Required<Pick<LabOptions, 'speed' | 'rate'>> & Pick<LabOptions, 'log'>,
  cleanup: Cleanup,
): Promise<ScenarioResult> {
  const log = options.log ?? (() => undefined);
  const wallStart = performance.now();
  const lab: LabServers = await startLabServers();
  cleanup.add(() => lab.stop());
  const storeDir = mkdtempSync(join(tmpdir(), 'tminus-lab-store-'));
  cleanup.add(() => rmSync(storeDir, { recursive: true, force: true }));
  const store = join(storeDir, 'tminus.db');
  log(
    `${kind}: BIND on 127.0.0.1:${LAB.dnsPort}, HAProxy on 127.0.0.1:${LAB.frontendPort}; load at ${options.rate}/s`,
  );

  const stopLoad = new AbortController();
  cleanup.add(() => stopLoad.abort());
  const loadStartedReal = Date.now();
  const loadDone = runLoad({
    url: `http://127.0.0.1:${LAB.frontendPort}/`,
    rate: options.rate,
    count: options.rate * 120, // bounded: two minutes at most
    signal: stopLoad.signal,
  });
  await sleep(300);

  const env = { ...process.env, LAB_TSIG_SECRET: lab.tsigKey.secret };
  const plan = kind === 'drill' ? join(storeDir, 'plan.yaml') : PLAN;
  if (kind === 'drill') writeFileSync(plan, drillPlanText(readFileSync(PLAN, 'utf8')));
  const runStartedReal = Date.now();
  const child = spawn(
    process.execPath,
    [BIN, 'run', plan, '--rehearsal', '--speed', String(options.speed), '--auto-approve', '--store', store],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  cleanup.add(() => stopChild(child));
  let output = '';
  const capture = (b: Buffer) => {
    output += b.toString();
    if (process.env.LAB_DEBUG) process.stderr.write(b);
  };
  child.stdout?.on('data', capture);
  child.stderr?.on('data', capture);
  const exit = exited(child);

  let switched: ScenarioResult['switched'];
  if (kind === 'drill') {
    // Wait for the switch to be done and checked, then the lead calls the rollback drill.
    for (;;) {
      if (child.exitCode !== null) break;
      const s = await status(store);
      if (
        s?.steps['new-serves-users']?.status === 'succeeded' &&
        s.steps['dns-propagated']?.status === 'succeeded'
      ) {
        switched = {
          dns: dig({ address: '127.0.0.1', port: LAB.dnsPort }, LAB.name).values,
          weights: await lab.weights(),
        };
        log(`drill: rollback at ${Date.now() - loadStartedReal} ms`);
        const r = await tminus(['rollback', '--as', 'alice', '--reason', 'drill', '--store', store]);
        // Refused, the run would watch on until the guard: say why now instead.
        if (r.status !== 0) {
          throw new Error(`drill: tminus rollback failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
        }
        log(
          `drill: switched (${switched.dns.join(',')}; weights ${JSON.stringify(switched.weights)}); rollback called: ${(r.stdout + r.stderr).trim()}`,
        );
        break;
      }
      await sleep(400);
    }
  }
  const exitCode = await Promise.race([exit, sleep(RUN_GUARD_MS).then(() => 'timeout' as const)]);
  if (exitCode === 'timeout') {
    throw new Error(`the ${kind} run did not end within ${RUN_GUARD_MS / 1000} s:\n${output}`);
  }
  // One more second of load shows where users go once the run is over.
  const endedReal = Date.now();
  await sleep(1000);
  stopLoad.abort();
  const load = await loadDone;
  const tailFrom = endedReal - loadStartedReal + 100;

  const failed = load.samples.filter((x) => x.failure !== undefined);
  const final = await status(store);
  const audit = await tminus(['audit', 'verify', '--store', store]);
  const steps = Object.fromEntries(Object.entries(final?.steps ?? {}).map(([id, s]) => [id, s.status]));
  const begin = final?.steps['switch-dns']?.startedAtMs;
  const end = final?.steps['new-serves-users']?.endedAtMs;
  const switchRunMs = begin !== undefined && end !== undefined ? end - begin : undefined;
  const result: ScenarioResult = {
    kind,
    outcome: final?.outcome,
    exitCode,
    auditVerified: audit.status === 0,
    requests: load.total,
    failures: load.failures,
    failureKinds: load.failureKinds,
    failureWindowMs: failed.length === 0 ? undefined : [failed[0]!.at, failed[failed.length - 1]!.at],
    runWindowMs: [runStartedReal - loadStartedReal, endedReal - loadStartedReal],
    tailShare: { legacy: share(load, 'legacy', tailFrom), new: share(load, 'new', tailFrom) },
    switched,
    dns: dig({ address: '127.0.0.1', port: LAB.dnsPort }, LAB.name),
    secondaryDns: dig({ address: LAB.secondaryAddress, port: LAB.dnsPort }, LAB.name),
    weights: await lab.weights(),
    switchRunMs,
    switchRealMs: switchRunMs === undefined || !final ? undefined : switchRunMs / final.clockAnchor.speed,
    wallMs: performance.now() - wallStart,
    steps,
  };
  if (result.outcome === undefined) log(`${kind}: tminus output:\n${output}`);
  await cleanup.release();
  return result;
}

/** Compares what a scenario did with what the example promises. */
export function problemsOf(r: ScenarioResult): string[] {
  const p: string[] = [];
  const want = r.kind === 'cutover' ? 'completed' : 'rolled-back';
  const side = r.kind === 'cutover' ? 'new' : 'legacy';
  const address = r.kind === 'cutover' ? LAB.newAddress : LAB.legacyAddress;
  if (r.outcome !== want) {
    p.push(`${r.kind}: the run ended ${r.outcome ?? 'without an outcome'}, expected ${want}`);
  }
  if (!r.auditVerified) p.push(`${r.kind}: tminus audit verify failed`);
  if (r.failures > 0) {
    p.push(
      `${r.kind}: ${r.failures} of ${r.requests} requests failed ${JSON.stringify(r.failureKinds)}, sent between ${r.failureWindowMs?.join(' and ')} ms (run from ${r.runWindowMs.join(' to ')} ms)`,
    );
  }
  if (r.dns.values.join(',') !== address || r.dns.ttl !== LAB.lowTtl) {
    p.push(
      `${r.kind}: BIND answers ${r.dns.values.join(',') || 'nothing'} TTL ${r.dns.ttl}, expected ${address} TTL ${LAB.lowTtl}`,
    );
  }
  if (r.secondaryDns.values.join(',') !== address || r.secondaryDns.ttl !== LAB.lowTtl) {
    p.push(
      `${r.kind}: the secondary answers ${r.secondaryDns.values.join(',') || 'nothing'} TTL ${r.secondaryDns.ttl}, expected ${address} TTL ${LAB.lowTtl}`,
    );
  }
  const w = r.weights;
  if (r.kind === 'cutover' ? w.new !== 100 || w.legacy !== 0 : w.legacy !== 100 || w.new !== 0) {
    p.push(`${r.kind}: HAProxy weights ${JSON.stringify(w)}, expected all on ${side}`);
  }
  if (r.tailShare[side] !== 1) {
    p.push(`${r.kind}: after the run ${Math.round(r.tailShare[side] * 100)} % of answers came from ${side}`);
  }
  if (r.kind === 'drill') {
    if (!r.switched) p.push('drill: the switch never completed, so no rollback was called');
    else if (r.switched.dns.join(',') !== LAB.newAddress || r.switched.weights.new !== 100) {
      p.push(`drill: before the rollback the switch was incomplete: ${JSON.stringify(r.switched)}`);
    }
  }
  return p;
}

/** Runs both scenarios on fresh labs; always stops what it started. */
export async function runLab(options: LabOptions = {}): Promise<LabResult> {
  const opts = { speed: options.speed ?? LAB_SPEED, rate: options.rate ?? 150, log: options.log };
  ensureLabPackages();
  const cleanup = new Cleanup();
  active = cleanup;
  try {
    const cutover = await scenario('cutover', opts, cleanup);
    const drill = await scenario('drill', opts, cleanup);
    return { cutover, drill, problems: [...problemsOf(cutover), ...problemsOf(drill)] };
  } finally {
    await cleanup.release();
    active = undefined;
  }
}

const seconds = (ms: number | undefined) => (ms === undefined ? '?' : `${(ms / 1000).toFixed(1)} s`);

/** A short human summary of a lab result. */
export function summary(r: LabResult): string {
  const line = (s: ScenarioResult) =>
    [
      `${s.kind === 'cutover' ? 'Cutover      ' : 'Rollback drill'}: run ${s.outcome ?? '?'}, audit ${s.auditVerified ? 'verified' : 'FAILED'}`,
      `  load: ${s.requests} requests through HAProxy, ${s.failures} failed`,
      `  DNS ${LAB.name}: ${s.dns.values.join(',')} TTL ${s.dns.ttl}; HAProxy weights ${JSON.stringify(s.weights)}`,
      `  after the run: ${Math.round(s.tailShare.new * 100)} % new / ${Math.round(s.tailShare.legacy * 100)} % legacy`,
      `  switch (DNS switch → new serves users): ${seconds(s.switchRunMs)} plan time, ${seconds(s.switchRealMs)} real; lab ${seconds(s.wallMs)}`,
    ].join('\n');
  return [
    line(r.cutover),
    line(r.drill),
    r.problems.length === 0 ? 'LAB PASSED' : `LAB FAILED:\n- ${r.problems.join('\n- ')}`,
  ].join('\n');
}

async function main(): Promise<number> {
  const onSignal = (sig: NodeJS.Signals) => {
    process.stderr.write(`\n${sig}: stopping the lab…\n`);
    void (active?.release() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await runLab({ log: (l) => process.stdout.write(`${l}\n`) });
    process.stdout.write(`${summary(result)}\n`);
    return result.problems.length === 0 ? 0 : 1;
  } catch (error) {
    process.stderr.write(`lab failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // Everything started has been stopped by now; exit even if a library keeps an idle handle open.
  process.exit(await main());
}
