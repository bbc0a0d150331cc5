import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinActions } from '../../src/actions/builtin-actions.js';
import type { ActionDefinition } from '../../src/engine/action.js';
import { SystemClock } from '../../src/engine/system-clock.js';
import { startBind, type BindServer } from '../support/bind-server.js';
import { cli } from '../support/cli.js';
import { dig, labTsigKey } from '../support/dns-lab.js';
import { harness, T0 } from '../support/engine-harness.js';
import { haproxyRuntime, startHaproxy, type HaproxyServer } from '../support/haproxy-server.js';
import { startHttpBackend, type HttpBackend } from '../support/http-backend.js';
import { waitFor } from '../support/wait-for.js';

// Issue #18, scope 3: a rollback step `inverse: TASK` undoes what the task actually did, from the values it
// recorded when it ran, against real BIND (RFC 2136 + TSIG) and a real HAProxy (runtime API).

const ZONE = 'shop.test';
const key = labTsigKey();
let bind: BindServer;
let legacy: HttpBackend;
let next: HttpBackend;
let spare: HttpBackend;
let lb: HaproxyServer;
const dir = mkdtempSync(join(tmpdir(), 'tminus-inverse-real-'));
/** The smoke test blocks reading this FIFO until the test has seen the switched state, then fails. */
const gate = join(dir, 'smoke-gate');

beforeAll(async () => {
  bind = await startBind({
    zone: {
      name: ZONE,
      // Two legacy addresses: the undo must bring back both, with the TTL the switch found (lowered to 30 s).
      records: ['www 300 IN A 192.0.2.10', 'www 300 IN A 192.0.2.11'],
    },
    tsigKey: key,
  });
  legacy = await startHttpBackend('legacy');
  next = await startHttpBackend('new');
  spare = await startHttpBackend('spare');
  lb = await startHaproxy({
    backends: {
      app: [
        // A canary already had 20 % before the cutover: the undo must restore 80/20, not 100/0.
        { name: 'legacy', port: legacy.port, weight: 80 },
        { name: 'new', port: next.port, weight: 20 },
        // Not named by the shift: nothing may touch it.
        { name: 'spare', port: spare.port, weight: 7 },
      ],
    },
  });
}, 600_000);

afterAll(async () => {
  // A test that failed before releasing the smoke test leaves its shell blocked on the FIFO: release it.
  try {
    closeSync(openSync(gate, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // No reader (the usual case) or no FIFO: nothing is blocked.
  }
  await lb?.stop();
  await bind?.stop();
  await Promise.all([legacy?.stop(), next?.stop(), spare?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const plan = () => `version: 1
name: inverse-real
title: Switch www.shop.test and HAProxy to new, undone by inverse steps
roles:
  lead: { members: [alice] }
  network: { members: [nadia] }
connections:
  primary-dns:
    kind: dns
    url: dns://${bind.server}
    options:
      tsig: { name: ${key.name}, algorithm: ${key.algorithm}, secret: '\${env:TSIG_SECRET}' }
phases:
  - id: prepare
    at: T-10m
    tasks:
      - id: lower-ttl
        title: Lower the TTL of www.shop.test to 30 s
        owner: network
        action: dns.lower-ttl
        with: { connection: primary-dns, zone: ${ZONE}, name: www, type: A, ttl: 30, oldTtl: 300 }
        estimate: 1m
  - id: switch
    at: T-0
    tasks:
      - id: switch-dns
        title: Point www.shop.test at the new environment
        owner: network
        action: dns.update
        with: { connection: primary-dns, zone: ${ZONE}, name: www, type: A, ttl: 30, value: 198.51.100.20 }
        estimate: 1m
      - id: shift-traffic
        title: Move HAProxy traffic from legacy to new in steps
        owner: network
        action: traffic.shift
        after: [switch-dns]
        with: { provider: haproxy, socket: ${lb.socketPath}, backend: app, from: legacy, to: new, steps: [50, 100] }
        estimate: 2m
      - id: smoke
        title: Smoke tests through the new environment
        owner: network
        action: shell
        after: [shift-traffic]
        with: { run: 'read verdict < ${gate}; exit 1' }
        estimate: 1m
      - id: spare-out
        title: Take the spare server out of the backend
        owner: network
        action: traffic.shift
        after: [smoke]
        with: { provider: haproxy, socket: ${lb.socketPath}, backend: app, from: spare, to: new, steps: [100] }
        estimate: 1m
rollback:
  auto: true
  criteria: [{ id: smoke-failed, title: Smoke tests failed, task: smoke }]
  steps:
    - { id: spare-back, title: Put the spare server back, owner: network, inverse: spare-out, budget: 2m }
    - { id: traffic-back, title: Put the HAProxy weights back, owner: network, inverse: shift-traffic, budget: 2m }
    - { id: dns-back, title: Point www.shop.test back, owner: network, inverse: switch-dns, budget: 2m }
`;

/** HAProxy's own answer (`get weight`), independently of tminus's runtime client. */
async function weights(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const server of ['legacy', 'new', 'spare']) {
    const answer = await haproxyRuntime(lb.socketPath, `get weight app/${server}`);
    const m = /^(\d+) \(initial \d+\)/.exec(answer.trim());
    if (!m) throw new Error(`get weight app/${server}: ${answer}`);
    out[server] = Number(m[1]);
  }
  return out;
}

describe('rollback steps inverse: TASK against real BIND and HAProxy', () => {
  it('the plan validates without an error or a warning', async () => {
    const file = join(dir, 'plan.yaml');
    writeFileSync(file, plan());
    const r = await cli(['validate', file, '--json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ issues: [] });
  });

  it('restores exactly the DNS values and HAProxy weights the tasks found, and skips the task that never started', async () => {
    expect(dig(bind, `www.${ZONE}`)).toEqual({ values: ['192.0.2.10', '192.0.2.11'], ttl: 300 });
    expect(await weights()).toEqual({ legacy: 80, new: 20, spare: 7 });

    const registry = builtinActions();
    execFileSync('mkfifo', [gate]);
    const h = await harness(plan(), {
      actions: registry.types().map((t) => registry.get(t)!) as unknown as ActionDefinition<never>[],
      autoApprove: true,
      env: { TSIG_SECRET: key.secret },
      // DNS and runtime-API calls time out on the wall clock; the run's own schedule stays virtual.
      timeoutClock: new SystemClock(),
    });
    const reached = (what: string, done: () => boolean) =>
      waitFor(
        async () => {
          await h.flush();
          return done();
        },
        `${what}; steps: ${JSON.stringify(h.state.steps)}`,
      );

    // The forward run: the TTL is lowered, then at T-0 DNS is switched, traffic moved, the smoke test fails
    // and the rollback starts.
    await reached('the lowered TTL', () => h.state.steps['lower-ttl']?.status === 'succeeded');
    const found = dig(bind, `www.${ZONE}`);
    expect(found).toEqual({ values: ['192.0.2.10', '192.0.2.11'], ttl: 30 });
    h.clock.advanceTo(T0);
    h.executor.poke();
    await reached('the smoke test', () => (h.state.steps.smoke?.starts ?? 0) > 0);
    expect(h.state.steps['shift-traffic']?.status).toBe('succeeded');
    expect(dig(bind, `www.${ZONE}`)).toEqual({ values: ['198.51.100.20'], ttl: 30 });
    expect(await weights()).toEqual({ legacy: 0, new: 100, spare: 7 });
    // What the switch recorded it found (in the server's order; dig sorts) is what BIND served before it.
    const switched = h.state.steps['switch-dns']?.output as
      { changed: boolean; from: { values: string[]; ttl: number } } | undefined;
    expect(switched?.changed).toBe(true);
    expect({ values: [...(switched?.from.values ?? [])].sort(), ttl: switched?.from.ttl }).toEqual(found);
    expect(h.state.steps['shift-traffic']?.output).toMatchObject({
      changed: true,
      before: { legacy: { weight: 80 }, new: { weight: 20 } },
    });
    await writeFile(gate, 'fail\n'); // the smoke test reads it and exits 1
    await reached('the end of the run', () => h.state.status === 'ended');
    expect(h.state.outcome).toBe('rolled-back');
    expect(h.state.steps.smoke?.status).not.toBe('succeeded');
    expect(h.state.rollback).toMatchObject({ criterionId: 'smoke-failed' });

    // Back to exactly what the tasks recorded: both addresses with the TTL the switch found (30 s, not the
    // zone's original 300 s nor the plan's), weights 80/20 (not 100/0); spare untouched.
    expect(dig(bind, `www.${ZONE}`)).toEqual(found);
    expect(await weights()).toEqual({ legacy: 80, new: 20, spare: 7 });
    expect(h.state.steps['dns-back']).toMatchObject({ status: 'succeeded' });
    expect(h.state.steps['traffic-back']).toMatchObject({ status: 'succeeded' });

    const events = await h.events();
    const skipped = events.filter((e) => e.data.type === 'step.skipped').map((e) => e.data);
    expect(skipped).toEqual([
      {
        type: 'step.skipped',
        stepId: 'spare-back',
        reason: "task 'spare-out' never started: nothing to undo",
      },
    ]);
    expect(h.state.steps['spare-out']?.starts ?? 0).toBe(0);
    // The journal says what each undo changed: from the switched values back to the recorded ones.
    const summaries = Object.fromEntries(
      events.flatMap((e) => (e.data.type === 'step.succeeded' ? [[e.data.stepId, e.data.summary]] : [])),
    );
    expect(summaries['dns-back']).toMatch(
      /^www\.shop\.test A: 198\.51\.100\.20 \(TTL 30\) → 192\.0\.2\.1[01], 192\.0\.2\.1[01] \(TTL 30\) on rfc2136 /,
    );
    expect(summaries['traffic-back']).toBe(
      `haproxy backend app via ${lb.socketPath}: legacy weight 0, new weight 100, spare weight 7 → legacy weight 80, new weight 20, spare weight 7`,
    );
    // Strictly in the plan's order, the skipped step first.
    const order = events
      .filter((e) => e.data.type === 'step.started' || e.data.type === 'step.skipped')
      .map((e) => (e.data as { stepId: string }).stepId);
    expect(order.slice(-3)).toEqual(['spare-back', 'traffic-back', 'dns-back']);
    expect(JSON.stringify(events)).not.toContain(key.secret);
  }, 300_000); // every wait is for a state; a loaded machine can take minutes to reach them
});
