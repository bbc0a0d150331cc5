import { describe, expect, it } from 'vitest';
import { loadPlan } from '../plan/load-plan.js';

const plan = (monitor: string, task = '') => `version: 1
name: conditions
title: Conditions
goLive: 2026-12-05T02:00:00Z
window: { start: T-1h, end: T+2h }
roles:
  ops: { title: Operations, members: [bob] }
phases:
  - id: switch
    at: T-0
    tasks:
      - id: check-metrics
        title: Error rate is low
        owner: ops
        action: metrics.query
        with: { url: 'http://127.0.0.1:9090', query: 'up'${task} }
monitors:
  - id: error-rate
    action: metrics.query
    with: { url: 'http://127.0.0.1:9090', query: 'up' }
    interval: 30s
${monitor}
`;

describe('validating conditions', () => {
  it('accepts well-formed failWhen and successWhen', () => {
    const { issues } = loadPlan(plan('    failWhen: "result > 0.02"\n    successWhen: "result < 0.01"'));
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
  });

  it('reports a malformed failWhen with its line and its column inside the condition', () => {
    const { plan: model, issues } = loadPlan(plan('    failWhen: "result >> 0.02"'));
    expect(model).toBeUndefined();
    const issue = issues.find((i) => i.code === 'invalid-condition');
    expect(issue).toMatchObject({
      path: ['monitors', 0, 'failWhen'],
      message: "unexpected '>' at column 9 of condition 'result >> 0.02'",
      position: { line: 22, col: 15 },
    });
  });

  it('reports unknown names and functions in successWhen and in a step`s with', () => {
    const { issues } = loadPlan(plan('    successWhen: "reslt < 1"', ", failWhen: 'maxx(result) > 1'"));
    const messages = issues
      .filter((i) => i.code === 'invalid-condition')
      .map((i) => [i.path.join('.'), i.message]);
    expect(messages).toEqual([
      [
        'phases.0.tasks.0.with.failWhen',
        expect.stringMatching(/^unknown function 'maxx'.* at column 1 of condition/),
      ],
      ['monitors.0.successWhen', "unknown name 'reslt' (known: result) at column 1 of condition 'reslt < 1'"],
    ]);
  });
});
