import { describe, expect, it } from 'vitest';
import { loadPlan } from '../plan/load-plan.js';

/** A plan with a TTL lowering phase at `lowerAt` (when given) and a DNS switch at T-0. */
function plan(options: { lowerAt?: string; lowerWith?: string; switchWith?: string }): string {
  const lower = options.lowerAt
    ? `
  - id: prepare
    at: ${options.lowerAt}
    tasks:
      - id: lower-ttl
        action: dns.lower-ttl
        estimate: 1m
        with: ${options.lowerWith ?? '{ server: 127.0.0.1, zone: example.com, name: www, ttl: 60, oldTtl: 3600 }'}`
    : '';
  return `
version: 1
name: dns-switch
roles:
  ops: { title: Operations, members: [bob] }
phases:${lower}
  - id: switch
    at: T-0
    tasks:
      - id: switch-dns
        action: dns.update
        estimate: 1m
        with: ${options.switchWith ?? '{ server: 127.0.0.1, zone: example.com, name: www, ttl: 60, value: 198.51.100.20, expect: 192.0.2.10 }'}
`;
}

const dnsIssues = (text: string) => {
  const loaded = loadPlan(text);
  expect(loaded.plan).toBeDefined(); // warnings never make a plan invalid
  return loaded.issues.filter((i) => i.code.startsWith('dns-'));
};

describe('validateDnsTtl', () => {
  it('warns when a record is switched without lowering its TTL first, pointing at the switch', () => {
    const [issue, ...rest] = dnsIssues(plan({}));
    expect(rest).toEqual([]);
    expect(issue).toMatchObject({
      severity: 'warning',
      code: 'dns-ttl-not-lowered',
      path: ['phases', 0, 'tasks', 0, 'action'],
    });
    expect(issue!.message).toBe(
      "task 'switch-dns' switches www.example.com A but no dns.lower-ttl task lowers its TTL first: resolvers may serve the old value for up to the old TTL after the switch (and after a rollback)",
    );
    expect(issue!.position?.line).toBeGreaterThan(0);
  });

  it('is satisfied when the lowering finishes the old TTL plus the margin before the switch', () => {
    // 3600 s + 6 min margin = 1h6m; lowering at T-2h finishes at T-1h59m.
    expect(dnsIssues(plan({ lowerAt: 'T-2h' }))).toEqual([]);
  });

  it('warns when the lowering comes too late, saying how much time the old TTL needs', () => {
    const [issue] = dnsIssues(plan({ lowerAt: 'T-30m' }));
    expect(issue).toMatchObject({ code: 'dns-ttl-lowered-late', related: ['phases', 0, 'tasks', 0] });
    expect(issue!.message).toBe(
      "'lower-ttl' lowers the TTL of www.example.com A at T-29m, only 29m before it ('switch-dns' starts at T-0); the old TTL 1h plus a margin of 6m needs 1h6m",
    );
    expect(issue!.hint).toBe("plan 'lower-ttl' by T-1h6m at the latest");
  });

  it('assumes a one-hour old TTL when oldTtl is not given, and says so', () => {
    const [issue] = dnsIssues(
      plan({
        lowerAt: 'T-45m',
        lowerWith: '{ server: 127.0.0.1, zone: example.com, name: www.example.com., ttl: 60 }',
      }),
    );
    expect(issue!.code).toBe('dns-ttl-lowered-late');
    expect(issue!.message).toContain('the old TTL 1h (assumed: set oldTtl)');
  });

  it('uses the short old TTL the plan declares, with a one-minute minimum margin', () => {
    const lowerWith = '{ server: 127.0.0.1, zone: example.com, name: www, ttl: 30, oldTtl: 300 }';
    expect(dnsIssues(plan({ lowerAt: 'T-10m', lowerWith }))).toEqual([]);
    const [late] = dnsIssues(plan({ lowerAt: 'T-6m', lowerWith }));
    expect(late!.message).toContain('only 5m before it');
    expect(late!.message).toContain('the old TTL 5m plus a margin of 1m needs 6m');
  });

  it('matches records by absolute name and type, not by how they are written', () => {
    const other = '{ server: 127.0.0.1, zone: example.com, name: api, ttl: 60, oldTtl: 3600 }';
    expect(dnsIssues(plan({ lowerAt: 'T-2h', lowerWith: other }))[0]!.code).toBe('dns-ttl-not-lowered');
    const aaaa = '{ server: 127.0.0.1, zone: example.com, name: www, type: AAAA, ttl: 60, oldTtl: 3600 }';
    expect(dnsIssues(plan({ lowerAt: 'T-2h', lowerWith: aaaa }))[0]!.code).toBe('dns-ttl-not-lowered');
    const apex = '{ server: 127.0.0.1, zone: example.com., name: "@", ttl: 60, oldTtl: 3600 }';
    const switchApex =
      '{ server: 127.0.0.1, zone: example.com, name: example.com., ttl: 60, value: 198.51.100.20 }';
    expect(dnsIssues(plan({ lowerAt: 'T-2h', lowerWith: apex, switchWith: switchApex }))).toEqual([]);
  });
});
