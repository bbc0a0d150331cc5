import { describe, expect, it } from 'vitest';
import { ActionRegistry } from '../../src/actions/action-registry.js';
import { ACTION_TYPES } from '../../src/core/action-types.js';
import type { RunEvent } from '../../src/core/run/run-event.js';
import { TminusError } from '../../src/core/tminus-error.js';
import { writeReport } from '../../src/engine/report/write-report.js';
import { RunSession } from '../../src/engine/run-session.js';
import { harness } from '../support/engine-harness.js';
import type { Call } from '../engine/test-actions.js';
import { testAction } from '../engine/test-actions.js';

const M = 60_000;

const plan = `version: 1
name: watch
window: { start: T-1h, end: T+3h }
roles:
  lead: { members: [alice] }
  ops: { members: [bob] }
phases:
  - id: switch
    at: T-0
    tasks:
      - { id: flip, owner: ops, action: t, with: { ms: 60000 }, estimate: 1m }
monitors:
  - id: errors
    title: Error rate
    action: probe
    interval: 1m
    from: T-0
    until: T+30m
    failWhen: 'result > 0.02'
    failureLimit: 1
rollback:
  auto: true
  criteria: [{ id: error-rate, title: Error rate too high, monitor: errors }]
  steps:
    - { id: declare, title: Declare, owner: lead, budget: 5m }
`;

describe('the report of a run rolled back by a monitor', () => {
  it('charts the monitor, lists every measurement of the verdict and the automatic decision', async () => {
    const calls: Call[] = [];
    const state = { value: 0.001 };
    const probe = testAction('probe', true, calls, () => {
      if (Number.isNaN(state.value)) throw new TminusError('CHECK_FAILED', 'probe failed');
      return { summary: `error rate ${state.value}`, value: state.value };
    });
    const work = testAction('t', false, []);
    const h = await harness(plan, { actions: [probe, work], autoApprove: true });
    await h.driveUntil(() => h.state.steps.flip?.status === 'succeeded');
    await h.advance(3 * M);
    state.value = 0.5;
    await h.driveUntil(() => h.state.status === 'ended');
    expect(h.state.outcome).toBe('rolled-back');

    const registry = new ActionRegistry().register(probe).register(work);
    const session = await RunSession.open(
      h.store,
      { runId: 'test' },
      {
        actions: registry,
        catalog: {
          types: [...ACTION_TYPES, ...registry.types()],
          checkParams: registry.catalog().checkParams,
        },
        env: {},
        realNow: () => h.clock.now(),
      },
    );
    const events: readonly RunEvent[] = await session.events();
    const measured = events.filter((e) => e.data.type === 'monitor.measured');
    const { content, report } = await writeReport(session, { format: 'md' });
    const md = content as string;

    const monitor = report.monitors[0]!;
    expect(monitor.verdict).toBe('failed');
    expect(monitor.measurements).toHaveLength(measured.length);
    expect(monitor.measurements.filter((m) => m.outcome === 'failed')).toHaveLength(2);
    expect(md).toContain('### errors — Error rate: failed');
    expect(md).toContain(
      `${measured.length} measurement(s): ${measured.length - 2} successful, 2 failed, 0 inconclusive, 0 error.`,
    );
    expect(md).toMatch(/\| \d+ \| [^|]+ \| 0\.5 \| failed \| failWhen 'result > 0\.02' is true \|/);
    // The automatic decision, with the monitor's state as its evidence.
    const decision = report.decisions.find((d) => d.kind === 'criterion')!;
    expect(decision).toMatchObject({ id: 'error-rate', basis: 'auto', outcome: 'rollback' });
    expect(decision.evidence).toContain("monitor 'errors' is failed");
    expect(report.milestones.map((m) => m.kind)).toContain('rollback-started');

    const html = (await writeReport(session, { format: 'html' })).content as string;
    const chart = /<svg[^>]*aria-label="monitor errors"[\s\S]*?<\/svg>/.exec(html)?.[0] ?? '';
    expect(chart.match(/<circle/g)).toHaveLength(measured.length);
    expect(chart.match(/fill="#c62828"/g)).toHaveLength(2); // the two failed measurements in red
    expect(chart).toContain('<polyline');
  });
});

describe('the report masks secrets a second time', () => {
  it("masks a plan secret's value even where the journal let it through", async () => {
    const SECRET = 'tok-report-7f3a9c2e';
    const leaky = testAction('leak', false, [], () => ({ summary: `called with ${SECRET}` }));
    const text = `version: 1
name: leak
roles: { ops: { members: [bob] } }
phases:
  - id: p
    at: T-0
    tasks:
      - { id: call, owner: ops, action: leak, estimate: 1m }
rollback:
  steps:
    - { id: undo, title: Undo, owner: ops, action: leak, with: { text: '\${env:API_TOKEN}' }, budget: 1m }
`;
    const h = await harness(text, { actions: [leaky], env: { API_TOKEN: SECRET } });
    await h.driveUntil(() => h.state.status === 'ended');
    // The step that used the secret never ran, so the engine never learnt the value: the journal holds it.
    expect(JSON.stringify(await h.events())).toContain(SECRET);
    const registry = new ActionRegistry().register(leaky);
    const session = await RunSession.open(
      h.store,
      { runId: 'test' },
      {
        actions: registry,
        catalog: {
          types: [...ACTION_TYPES, ...registry.types()],
          checkParams: registry.catalog().checkParams,
        },
        env: { API_TOKEN: SECRET },
        realNow: () => h.clock.now(),
      },
    );
    for (const format of ['md', 'html'] as const) {
      const { content } = await writeReport(session, { format });
      expect(content).not.toContain(SECRET);
      expect(content).toContain(format === 'md' ? 'called with \\*\\*\\*' : 'called with ***');
    }
  });
});
