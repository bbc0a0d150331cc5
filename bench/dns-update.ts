/**
 * DNS action latency against a local BIND 9 (loopback, temp dir, stopped at the end):
 * - lower bound: a bare unsigned SOA query round trip (one UDP exchange),
 * - dns.query of one record on one server (query + SOA),
 * - dns.update as a TSIG-signed compare-and-swap (read, signed UPDATE with prerequisite, verified response,
 *   SOA read-back),
 * - a no-op dns.update (already at the target: one read).
 *
 * Run: npx tsx bench/dns-update.ts [iterations]
 */
import { performance } from 'node:perf_hooks';
import { startBind } from '../test/support/bind-server.js';
import { labTsigKey } from '../test/support/dns-lab.js';
import { testActionContext, systemClock } from '../test/support/action-context.js';
import { lookup } from '../src/actions/shared/dns-wire/dns-lookup.js';
import { parseServer } from '../src/actions/shared/dns-wire/dns-transport.js';
import { dnsUpdateAction, dnsUpdateParams } from '../src/actions/dns-update/dns-update-action.js';
import { dnsQueryAction } from '../src/actions/dns-query/dns-query-action.js';
import { dnsQueryParams } from '../src/actions/dns-query/dns-query-params.js';

const iterations = Number(process.argv[2] ?? 300);
const key = labTsigKey();
const bind = await startBind({
  zone: { name: 'example.test', records: ['www 300 IN A 192.0.2.10'] },
  tsigKey: key,
});

async function measure(name: string, fn: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 20; i++) await fn(i); // warm-up
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    await fn(i);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const p = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(3);
  console.log(`${name.padEnd(44)} p50 ${p(0.5)} ms  p95 ${p(0.95)} ms  p99 ${p(0.99)} ms  (n=${iterations})`);
  return Number(p(0.5));
}

try {
  const ctx = testActionContext({ secrets: [key.secret] });
  const server = parseServer(bind.server);
  const opts = {
    clock: systemClock,
    signal: new AbortController().signal,
    timeoutMs: 2000,
    recursion: false,
  };
  const floor = await measure('lower bound: bare SOA query', () =>
    lookup(server, 'example.test', 'SOA', opts),
  );
  const query = dnsQueryParams.parse({
    zone: 'example.test',
    name: 'www',
    servers: [bind.server],
    recursion: false,
  });
  await measure('dns.query (record + SOA, one server)', () => dnsQueryAction.execute(ctx, query));
  const values = ['192.0.2.10', '198.51.100.20'];
  const swap = await measure('dns.update CAS, TSIG hmac-sha256 (changes)', (i) =>
    dnsUpdateAction.execute(
      ctx,
      dnsUpdateParams.parse({
        server: bind.server,
        zone: 'example.test',
        name: 'www',
        ttl: 60,
        tsig: key,
        value: values[(i + 1) % 2],
        expect: values[i % 2],
      }),
    ),
  );
  // After warm-up and the measured swaps, the record holds values[iterations % 2].
  await measure('dns.update already at target (no change)', () =>
    dnsUpdateAction.execute(
      ctx,
      dnsUpdateParams.parse({
        server: bind.server,
        zone: 'example.test',
        name: 'www',
        ttl: 60,
        tsig: key,
        value: values[iterations % 2],
      }),
    ),
  );
  console.log(
    `dns.update CAS costs ${(swap / floor).toFixed(1)}× a bare query round trip (3 queries + 1 signed update)`,
  );
} finally {
  await bind.stop();
}
