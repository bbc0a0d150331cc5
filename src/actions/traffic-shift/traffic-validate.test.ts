import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../core/plan/load-plan.js';
import { builtinActions } from '../builtin-actions.js';

const plan = (shift: string, query: string) => `version: 1
name: switch
title: Switch
goLive: 2026-12-05T02:00:00Z
window: { start: T-1h, end: T+2h }
roles:
  net: { title: Network, members: [dan] }
phases:
  - id: switch
    at: T-0
    tasks:
      - id: shift
        title: Shift to new
        owner: net
        action: traffic.shift
        with: ${shift}
      - id: errors
        title: Error rate
        owner: net
        action: metrics.query
        with: ${query}
        after: [shift]
`;

const errors = (text: string) =>
  loadPlan(text, { actions: builtinActions().catalog() })
    .issues.filter((i) => i.severity === 'error')
    .map((i) => `${i.position?.line ?? '?'}: ${i.path.join('.')}: ${i.message}`);

describe('tminus validate on traffic and metrics steps', () => {
  it('accepts well-formed parameters, secret references included', () => {
    expect(
      errors(
        plan(
          '{ provider: haproxy, socket: /run/haproxy/admin.sock, backend: app, from: legacy, to: new, steps: [10, 50, 100], pause: 1m, check: { url: "https://new.example.com/healthz" } }',
          '{ url: "${env:PROM_URL}", query: "sum(rate(http_requests_total[1m]))", failWhen: "result > 0.02", headers: { authorization: "${env:PROM_AUTHORIZATION}" } }',
        ),
      ),
    ).toEqual([]);
  });

  it('reports bad traffic.shift and metrics.query parameters and a malformed failWhen, each with its line', () => {
    const found = errors(
      plan(
        '{ provider: haproxy, backend: app, from: legacy, steps: [50, 10] }',
        '{ url: "http://p:9090", query: "up", failWhen: "result >> 1", range: { last: soon, step: 1s } }',
      ),
    );
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^16: phases\.0\.tasks\.0\.with(\.socket)?: .*`socket`/),
        expect.stringMatching(/^16: phases\.0\.tasks\.0\.with(\.to)?: .*both `from` and `to`/),
        expect.stringMatching(/^16: phases\.0\.tasks\.0\.with\.steps(\.1)?: .*steps must increase/),
        expect.stringMatching(
          /^21: phases\.0\.tasks\.1\.with\.range\.last: metrics\.query: 'last': expected a duration/,
        ),
        "21: phases.0.tasks.1.with.failWhen: unexpected '>' at column 9 of condition 'result >> 1'",
      ]),
    );
  });

  it('reports an unknown connection of metrics.query', () => {
    const found = errors(
      plan(
        '{ provider: haproxy, socket: /s, backend: app, weights: { new: 1 } }',
        '{ connection: prom, query: "up" }',
      ),
    );
    expect(found).toEqual([
      expect.stringMatching(/^21: phases\.0\.tasks\.1\.with\.connection: unknown connection 'prom'/),
    ]);
  });

  it('reports a malformed failWhen in with: at its column', () => {
    const found = errors(
      plan(
        '{ provider: haproxy, socket: /s, backend: app, weights: { new: 1 } }',
        '{ url: "http://p:9090", query: "up", failWhen: "result >> 1" }',
      ),
    );
    expect(found).toEqual([
      "21: phases.0.tasks.1.with.failWhen: unexpected '>' at column 9 of condition 'result >> 1'",
    ]);
  });
});
