import { TminusError } from '../../core/tminus-error.js';
import type { ActionContext } from '../../engine/action.js';
import { absoluteName, canonicalName } from '../shared/dns-wire/dns-name.js';
import { sameValues } from '../shared/dns-wire/dns-rdata.js';
import type { DnsServer } from '../shared/dns-wire/dns-transport.js';
import { parseServer } from '../shared/dns-wire/dns-transport.js';
import type { LookupResult } from '../shared/dns-wire/dns-lookup.js';
import { lookup } from '../shared/dns-wire/dns-lookup.js';
import { durationMs } from '../shared/dns-providers/create-provider.js';
import type { DnsQueryParams } from './dns-query-params.js';

/**
 * How one server answered, judged against the expectation: `expected` (the new value), `old` (still the old
 * one), `other` (something else), `missing` (NXDOMAIN / no record), `error` (no usable answer), or
 * `answered` when nothing was expected.
 */
export type ServerState = 'expected' | 'old' | 'other' | 'missing' | 'error' | 'answered';

export interface ServerReport {
  readonly server: string;
  /** The NS name the address belongs to (authoritative checks). */
  readonly nameserver?: string;
  readonly rcode?: string;
  readonly authoritative?: boolean;
  readonly values: readonly string[];
  readonly ttl?: number;
  readonly serial?: number;
  readonly state: ServerState;
  /** Why this server does not agree with the expectation (empty when it does). */
  readonly problems: readonly string[];
}

export interface PropagationReport {
  readonly name: string;
  readonly type: string;
  readonly servers: readonly ServerReport[];
  /** Servers that answer what was expected (all of them when nothing was expected and all answered). */
  readonly agreeing: readonly string[];
  readonly lagging: readonly string[];
  /** Distinct SOA serials seen, lowest first. */
  readonly serials: readonly number[];
}

interface Target {
  readonly server: DnsServer;
  readonly nameserver?: string;
}

const list = (v: string | readonly string[] | undefined) =>
  v === undefined ? undefined : typeof v === 'string' ? [v] : v;
const label = (r: { server: string; nameserver?: string }) =>
  r.nameserver ? `${r.nameserver} (${r.server})` : r.server;
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Every authoritative server of the zone: its NS records, then their addresses (glue first). */
async function authoritativeTargets(ctx: ActionContext, p: DnsQueryParams): Promise<Target[]> {
  const zone = canonicalName(p.zone ?? '');
  const resolver = parseServer((p.resolver ?? p.servers?.[0])!);
  const opts = {
    clock: ctx.realClock ?? ctx.clock,
    signal: ctx.signal,
    timeoutMs: durationMs(p.timeout),
    recursion: true,
  };
  const ns = await lookup(resolver, zone, 'NS', opts);
  // Sorted: servers rotate RRsets, and reports should read the same every time.
  const names = ns.answers
    .filter((a) => a.type === 'NS')
    .map((a) => a.value)
    .sort();
  if (ns.rcode !== 'NOERROR' || names.length === 0) {
    throw new TminusError(
      'DNS_NO_ANSWER',
      `cannot find the name servers of ${zone} through ${resolver.label}: it answered ${ns.rcode}${names.length === 0 && ns.rcode === 'NOERROR' ? ' without NS records' : ''}`,
      { hint: 'check the zone name and the resolver' },
    );
  }
  const targets: Target[] = [];
  for (const nsName of names) {
    const glue = ns.additionals.filter((a) => a.name === nsName && (a.type === 'A' || a.type === 'AAAA'));
    const addresses = glue.map((a) => a.value);
    const failures: string[] = [];
    if (addresses.length === 0) {
      // Out-of-zone name servers come without glue: resolve them. One family failing is normal (no AAAA).
      const found = await Promise.allSettled(['A', 'AAAA'].map((t) => lookup(resolver, nsName, t, opts)));
      for (const r of found) {
        if (r.status === 'fulfilled') {
          addresses.push(
            ...r.value.answers.filter((a) => a.type === 'A' || a.type === 'AAAA').map((a) => a.value),
          );
        } else {
          failures.push(message(r.reason));
        }
      }
    }
    if (addresses.length === 0) {
      throw new TminusError(
        'DNS_NO_ANSWER',
        ctx.redact(
          `name server ${nsName} of ${zone} has no address (A/AAAA) via ${resolver.label}${failures.length > 0 ? `: ${failures.join('; ')}` : ''}`,
        ),
      );
    }
    for (const a of addresses) {
      targets.push({ server: parseServer(a.includes(':') ? `[${a}]` : a, p.port), nameserver: nsName });
    }
  }
  return targets;
}

async function ask(
  ctx: ActionContext,
  p: DnsQueryParams,
  name: string,
  target: Target,
): Promise<ServerReport> {
  const recursion = p.recursion ?? !p.authoritative;
  const opts = {
    clock: ctx.realClock ?? ctx.clock,
    signal: ctx.signal,
    timeoutMs: durationMs(p.timeout),
    recursion,
  };
  const base = {
    server: target.server.label,
    ...(target.nameserver ? { nameserver: target.nameserver } : {}),
  };
  let answer: LookupResult;
  let serial: number | undefined;
  try {
    answer = await lookup(target.server, name, p.type, opts);
    if (p.zone !== undefined) {
      const soa = await lookup(target.server, canonicalName(p.zone), 'SOA', opts);
      const rr = soa.answers.find((a) => a.type === 'SOA');
      serial = rr === undefined ? undefined : Number(rr.value.split(' ')[2]);
    }
  } catch (error) {
    return { ...base, values: [], state: 'error', problems: [ctx.redact(message(error))] };
  }
  const rrs = answer.answers.filter((a) => a.type === p.type);
  const values = rrs.map((a) => a.value);
  const ttl = rrs.length === 0 ? undefined : Math.min(...rrs.map((a) => a.ttl));
  const report = {
    ...base,
    rcode: answer.rcode,
    authoritative: answer.authoritative,
    values,
    ...(ttl === undefined ? {} : { ttl }),
    ...(serial === undefined ? {} : { serial }),
  };
  if (answer.rcode !== 'NOERROR' && answer.rcode !== 'NXDOMAIN') {
    return { ...report, state: 'error', problems: [`answered ${answer.rcode}`] };
  }
  const problems: string[] = [];
  if (p.authoritative && !answer.authoritative) {
    problems.push('is not authoritative for the zone (no AA flag)');
  }
  const expect = p.expect;
  const expected = list(expect?.values);
  const old = list(p.old);
  let state: ServerState;
  if (expect === undefined || (expected === undefined && !expect.absent)) state = 'answered';
  else if (expect.absent) {
    state = values.length === 0 ? 'expected' : old && sameValues(p.type, values, old) ? 'old' : 'other';
  } else if (sameValues(p.type, values, expected!)) state = 'expected';
  else if (old && values.length > 0 && sameValues(p.type, values, old)) state = 'old';
  else state = values.length === 0 ? 'missing' : 'other';
  const what =
    answer.rcode === 'NXDOMAIN'
      ? 'NXDOMAIN (the name does not exist)'
      : values.length === 0
        ? 'no record of that type'
        : values.join(', ');
  if (state === 'old') problems.push(`still answers the old value ${what}`);
  if (state === 'other' || state === 'missing') problems.push(`answers ${what}`);
  if ((expect?.ttl !== undefined || expect?.maxTtl !== undefined) && ttl === undefined && !expect.absent) {
    if (state === 'answered') problems.push(`has no ${p.type} record to check the TTL of: ${what}`);
  }
  if (expect?.ttl !== undefined && ttl !== undefined && ttl !== expect.ttl) {
    problems.push(`TTL ${ttl}, expected ${expect.ttl}`);
  }
  if (expect?.maxTtl !== undefined && ttl !== undefined && ttl > expect.maxTtl) {
    problems.push(`TTL ${ttl} is above ${expect.maxTtl}`);
  }
  if (expect?.minSerial !== undefined && (serial === undefined || serial < expect.minSerial)) {
    problems.push(`SOA serial ${serial ?? 'unknown'} is below ${expect.minSerial}`);
  }
  return { ...report, state, problems };
}

/**
 * Asks every chosen server (or every authoritative server of the zone) the same question, in parallel, and
 * judges each answer against the expectation. Never throws for one bad server: it is reported as lagging.
 */
export async function checkPropagation(ctx: ActionContext, p: DnsQueryParams): Promise<PropagationReport> {
  const name = absoluteName(p.name, p.zone);
  const targets = p.authoritative
    ? await authoritativeTargets(ctx, p)
    : (p.servers ?? []).map((s) => ({ server: parseServer(s) }));
  const servers = await Promise.all(targets.map((t) => ask(ctx, p, name, t)));
  const ok = (r: ServerReport) =>
    (r.state === 'expected' || r.state === 'answered') && r.problems.length === 0;
  return {
    name,
    type: p.type,
    servers,
    agreeing: servers.filter(ok).map(label),
    lagging: servers.filter((r) => !ok(r)).map(label),
    serials: [...new Set(servers.flatMap((r) => (r.serial === undefined ? [] : [r.serial])))].sort(
      (a, b) => a - b,
    ),
  };
}

/** `ns1.example.test (127.0.0.1:53): still answers the old value 192.0.2.10; ...` */
export function describeLagging(report: PropagationReport): string {
  return report.servers
    .filter((r) => report.lagging.includes(label(r)))
    .map((r) => `${label(r)} ${r.problems.join(', ')}`)
    .join('; ');
}

/** One line per server for summaries: `127.0.0.1:5300 → 198.51.100.20 (TTL 60, serial 7)`. */
export function describeServers(report: PropagationReport): string {
  return report.servers
    .map((r) => {
      if (r.state === 'error') return `${label(r)} → error: ${r.problems.join(', ')}`;
      const value =
        r.values.length > 0 ? r.values.join(', ') : r.rcode === 'NXDOMAIN' ? 'NXDOMAIN' : 'no record';
      const extra = [
        r.ttl === undefined ? undefined : `TTL ${r.ttl}`,
        r.serial === undefined ? undefined : `serial ${r.serial}`,
      ].filter(Boolean);
      return `${label(r)} → ${value}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`;
    })
    .join('; ');
}

/** What a check would ask, for dry-runs: `asks every authoritative server of example.com (via 192.0.2.53:53) for www.example.com A`. */
export function describeTargets(p: DnsQueryParams): string {
  const name = absoluteName(p.name, p.zone);
  const where = p.authoritative
    ? `every authoritative server of ${canonicalName(p.zone ?? '')} (found via ${p.resolver ?? p.servers?.[0] ?? '?'})`
    : (p.servers ?? []).join(', ');
  return `asks ${where} for ${name} ${p.type}`;
}
