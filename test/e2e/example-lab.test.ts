import { beforeAll, describe, expect, it } from 'vitest';
import { ensureLabPackages, LAB } from '../../examples/dns-haproxy/lab-servers.js';
import { problemsOf, runLab, type LabResult } from '../../examples/dns-haproxy/lab.js';
import { ensureBuilt } from '../support/cli.js';

let lab: LabResult;

beforeAll(async () => {
  ensureLabPackages();
  ensureBuilt();
  lab = await runLab();
}, 600_000);

describe('the DNS + HAProxy example (examples/dns-haproxy) against real BIND and HAProxy', () => {
  it('completes the cutover run with a verified journal and no failed request over the whole switch', () => {
    expect(lab.cutover.outcome).toBe('completed');
    expect(lab.cutover.exitCode).toBe(0);
    expect(lab.cutover.auditVerified).toBe(true);
    expect(lab.cutover.failures).toBe(0);
    expect(lab.cutover.steps).toMatchObject({
      'lower-ttl': 'succeeded',
      'ttl-is-low': 'succeeded',
      'switch-dns': 'succeeded',
      'shift-traffic': 'succeeded',
      'dns-propagated': 'succeeded',
      'new-serves-users': 'succeeded',
    });
  });

  it('leaves the zone record on the new address with the lowered TTL on both servers and HAProxy all on new', () => {
    expect(lab.cutover.dns).toEqual({ values: [LAB.newAddress], ttl: LAB.lowTtl });
    expect(lab.cutover.secondaryDns).toEqual({ values: [LAB.newAddress], ttl: LAB.lowTtl });
    expect(lab.cutover.weights).toEqual({ legacy: 0, new: 100 });
    expect(lab.cutover.tailShare).toEqual({ legacy: 0, new: 1 });
  });

  it('switches DNS and HAProxy back in the rollback drill, still without a failed request', () => {
    expect(lab.drill.switched).toEqual({ dns: [LAB.newAddress], weights: { legacy: 0, new: 100 } });
    expect(lab.drill.outcome).toBe('rolled-back');
    expect(lab.drill.exitCode).toBe(1);
    expect(lab.drill.auditVerified).toBe(true);
    expect(lab.drill.steps).toMatchObject({
      'dns-back': 'succeeded',
      'traffic-back': 'succeeded',
      'dns-back-verified': 'succeeded',
    });
    expect(lab.drill.dns).toEqual({ values: [LAB.legacyAddress], ttl: LAB.lowTtl });
    expect(lab.drill.secondaryDns).toEqual({ values: [LAB.legacyAddress], ttl: LAB.lowTtl });
    expect(lab.drill.weights).toEqual({ legacy: 100, new: 0 });
    expect(lab.drill.tailShare).toEqual({ legacy: 1, new: 0 });
    expect(lab.drill.failures).toBe(0);
  });

  it('sends at least 2,000 requests through HAProxy in all and reports no problem', () => {
    expect(lab.cutover.requests + lab.drill.requests).toBeGreaterThanOrEqual(2000);
    expect(lab.problems).toEqual([]);
  });

  it('names what went wrong when a scenario does not meet the promise', () => {
    const broken = {
      ...lab.drill,
      outcome: 'completed',
      failures: 3,
      failureKinds: { 'status 503': 3 },
      weights: { legacy: 0, new: 100 },
    };
    const problems = problemsOf(broken);
    expect(problems).toContainEqual('drill: the run ended completed, expected rolled-back');
    expect(problems.some((p) => p.startsWith('drill: 3 of ') && p.includes('status 503'))).toBe(true);
    expect(problems).toContainEqual('drill: HAProxy weights {"legacy":0,"new":100}, expected all on legacy');
  });
});
