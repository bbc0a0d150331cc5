import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysFromNow, issueTestCertificate } from '../../../test/support/test-certificates.js';
import { freePort } from '../../../test/support/free-port.js';
import {
  actionFailure,
  testActionContext,
  type TestActionContext,
} from '../../../test/support/action-context.js';
import { ManualClock } from '../../../test/support/manual-clock.js';
import { httpCheckAction } from './http-check-action.js';
import { httpCheckParams } from './http-check-params.js';

const listen = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

let hits = 0;
let flakyLeft = 0;
function route(req: IncomingMessage, res: ServerResponse) {
  hits++;
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ status: 'ok', version: '2.4.1', db: { ok: true }, checks: [{ name: 'db', up: 1 }] }),
      );
    } else if (path === '/down') {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('maintenance in progress');
    } else if (path === '/slow') {
      setTimeout(() => res.end('late'), 300);
    } else if (path === '/hang') {
      // never answers
    } else if (path === '/flaky') {
      res.writeHead(flakyLeft-- > 0 ? 502 : 200);
      res.end(flakyLeft >= 0 ? 'bad gateway' : 'ok');
    } else if (path === '/echo') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ method: req.method, headers: req.headers, body: Buffer.concat(chunks).toString() }),
      );
    } else {
      res.writeHead(404);
      res.end('not found');
    }
  });
}

const http = createServer(route);
let base = '';
const tls: Record<string, { server: Server; url: string }> = {};
let dir = '';
let caFile = '';

beforeAll(async () => {
  base = `http://127.0.0.1:${await listen(http)}`;
  dir = mkdtempSync(join(tmpdir(), 'tminus-http-check-'));
  const ca = issueTestCertificate({ commonName: 'tminus Test Root CA', isCa: true });
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, ca.certPem);
  const names = ['localhost', '127.0.0.1'];
  const certs = {
    good: issueTestCertificate({ commonName: 'localhost', altNames: names, issuer: ca }),
    expired: issueTestCertificate({
      commonName: 'localhost',
      altNames: names,
      issuer: ca,
      notBefore: daysFromNow(-60),
      notAfter: daysFromNow(-2),
    }),
    wrongSan: issueTestCertificate({
      commonName: 'legacy.example.com',
      altNames: ['legacy.example.com'],
      issuer: ca,
    }),
    selfSigned: issueTestCertificate({ commonName: 'localhost', altNames: names }),
    newSite: issueTestCertificate({ commonName: 'new.shop.test', altNames: ['new.shop.test'], issuer: ca }),
  };
  for (const [name, cert] of Object.entries(certs)) {
    const server = createHttpsServer({ cert: cert.certPem, key: cert.keyPem }, route);
    tls[name] = { server, url: `https://localhost:${await listen(server)}` };
  }
});

afterAll(async () => {
  await Promise.all([close(http), ...Object.values(tls).map((t) => close(t.server))]);
  rmSync(dir, { recursive: true, force: true });
});

const check = (ctx: TestActionContext, input: Record<string, unknown>) =>
  httpCheckAction.execute(ctx, httpCheckParams.parse(input));

describe('http.check', () => {
  it('passes when status, body text, regex and JSON paths all match, and reports status and latency', async () => {
    const result = await check(testActionContext(), {
      url: `${base}/healthz`,
      expect: {
        status: 200,
        bodyContains: '"status":"ok"',
        bodyMatches: '"version":"2\\.\\d+\\.\\d+"',
        json: [
          { path: '$.db.ok', equals: true },
          { path: '$.checks[0].name', equals: 'db' },
        ],
        maxLatency: '5s',
      },
    });
    expect(result.summary).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/healthz → 200 in \d+/);
    expect(result.output).toMatchObject({ status: 200, method: 'GET', contentType: 'application/json' });
    expect(result.value).toBe(200);
  });

  it('fails listing every unmet expectation at once', async () => {
    const error = await actionFailure(
      check(testActionContext(), {
        url: `${base}/down`,
        expect: { bodyContains: 'healthy', json: { path: '$.status', equals: 'ok' } },
      }),
    );
    expect(error.code).toBe('CHECK_FAILED');
    expect(error.message).toContain('status 503, expected 2xx');
    expect(error.message).toContain(
      'body does not contain "healthy" (body starts "maintenance in progress")',
    );
    expect(error.message).toContain('body is not JSON');
  });

  it('checks response headers, names case-insensitive', async () => {
    const ok = await check(testActionContext(), {
      url: `${base}/healthz`,
      expect: { headers: { 'Content-Type': 'application/json' } },
    });
    expect(ok.output).toMatchObject({ status: 200 });
    const error = await actionFailure(
      check(testActionContext(), {
        url: `${base}/healthz`,
        expect: { headers: { 'content-type': 'text/html', 'x-served-by': 'new-' } },
      }),
    );
    expect(error.message).toContain(
      'header content-type is "application/json", expected it to contain "text/html"',
    );
    expect(error.message).toContain('response has no x-served-by header');
  });

  it('reports the JSON path that differs with the actual and expected value', async () => {
    const error = await actionFailure(
      check(testActionContext(), {
        url: `${base}/healthz`,
        expect: {
          json: [
            { path: '$.version', equals: '2.5.0' },
            { path: '$.missing.key', equals: 1 },
          ],
        },
      }),
    );
    expect(error.message).toContain('JSON path $.version is "2.4.1", expected "2.5.0"');
    expect(error.message).toContain("JSON path $.missing.key: $ has no key 'missing'");
  });

  it('accepts a status from a list, a class or a range', async () => {
    for (const status of [[200, 503], '5xx', '500-503']) {
      const result = await check(testActionContext(), { url: `${base}/down`, expect: { status } });
      expect(result.output).toMatchObject({ status: 503 });
    }
    await actionFailure(check(testActionContext(), { url: `${base}/down`, expect: { status: '200-299' } }));
  });

  it('sends the method, headers and a JSON body', async () => {
    const result = await check(testActionContext(), {
      url: `${base}/echo`,
      method: 'POST',
      headers: { 'x-cutover': 'shop' },
      body: { probe: true },
      expect: {
        json: [
          { path: '$.method', equals: 'POST' },
          { path: "$.headers['x-cutover']", equals: 'shop' },
          { path: "$.headers['content-type']", equals: 'application/json' },
          { path: '$.body', equals: '{"probe":true}' },
        ],
      },
    });
    expect(result.output).toMatchObject({ status: 200 });
  });

  it('fails an answer slower than maxLatency', async () => {
    const error = await actionFailure(
      check(testActionContext(), { url: `${base}/slow`, expect: { maxLatency: 100 } }),
    );
    expect(error.message).toMatch(/answered in \d+ms, slower than the allowed 100ms/);
  });

  it('gives up with a TIMEOUT error when the server never answers', async () => {
    const error = await actionFailure(check(testActionContext(), { url: `${base}/hang`, timeout: 200 }));
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/hang: no answer within 200ms/);
  });

  it('names a refused connection in plain words', async () => {
    const port = await freePort();
    const error = await actionFailure(
      check(testActionContext(), { url: `http://127.0.0.1:${port}/healthz` }),
    );
    expect(error.code).toBe('UNREACHABLE');
    expect(error.message).toContain(`connection refused by 127.0.0.1:${port}`);
  });

  it('rejects a malformed URL without printing its password', async () => {
    const error = await actionFailure(
      check(testActionContext(), { url: 'http://ops:hunter2@exa mple.com/x' }),
    );
    expect(error.code).toBe('INVALID_PARAMS');
    expect(error.message).toContain('is not a valid URL');
    expect(error.message).not.toContain('hunter2');
    expect(error.cause).toBeUndefined(); // the URL parser's error would carry the raw input
    const ftp = await actionFailure(check(testActionContext(), { url: 'ftp://127.0.0.1/x' }));
    expect(ftp.message).toContain('is not an http:// or https:// URL');
  });

  it('retries a flaky endpoint when attempts allow it, and records each probe', async () => {
    flakyLeft = 2;
    const result = await check(testActionContext(), { url: `${base}/flaky`, attempts: 3, interval: 10 });
    expect(result.output?.probes).toMatchObject([
      { ok: false, status: 502 },
      { ok: false, status: 502 },
      { ok: true, status: 200 },
    ]);
    flakyLeft = 1;
    const error = await actionFailure(check(testActionContext(), { url: `${base}/flaky` }));
    expect(error.message).toContain('status 502');
  });

  it('waits the interval between probes on the run clock', async () => {
    flakyLeft = 1;
    const clock = new ManualClock(Date.UTC(2026, 11, 5, 2));
    const pending = check(testActionContext({ clock }), {
      url: `${base}/flaky`,
      attempts: 2,
      interval: '1m',
    });
    await clock.untilSleeping(60_000);
    expect(flakyLeft).toBe(0); // one probe so far, and it failed
    clock.advance(60_000);
    const result = await pending;
    expect(result.output?.probes).toMatchObject([{ ok: false }, { ok: true }]);
  });

  it('fails only after failureThreshold consecutive failures', async () => {
    flakyLeft = 5;
    const error = await actionFailure(
      check(testActionContext(), { url: `${base}/flaky`, failureThreshold: 3, interval: 10 }),
    );
    expect(error.message).toContain('3 consecutive probes failed');
    expect(flakyLeft).toBe(2);
  });

  it('needs recoveryThreshold good probes in a row to pass', async () => {
    flakyLeft = 1;
    const ctx = testActionContext();
    const result = await check(ctx, {
      url: `${base}/flaky`,
      attempts: 4,
      recoveryThreshold: 2,
      interval: 10,
    });
    expect(result.output?.probes).toHaveLength(3);
    expect(ctx.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
  });

  it('trusts a certificate from a private CA given as ca:, and reports days to expiry', async () => {
    const result = await check(testActionContext(), { url: `${tls.good!.url}/healthz`, ca: caFile });
    expect(result.output).toMatchObject({
      status: 200,
      certificate: { subject: 'localhost', issuer: 'tminus Test Root CA' },
    });
    const cert = result.output?.certificate as { daysToExpiry: number };
    expect(cert.daysToExpiry).toBeGreaterThanOrEqual(88);
    expect(cert.daysToExpiry).toBeLessThanOrEqual(90);
    const error = await actionFailure(
      check(testActionContext(), {
        url: `${tls.good!.url}/healthz`,
        ca: caFile,
        expect: { minDaysToExpiry: 120 },
      }),
    );
    expect(error.message).toMatch(/certificate expires in \d+ days .*fewer than 120/);
  });

  it('rejects an expired certificate in plain words', async () => {
    const error = await actionFailure(
      check(testActionContext(), { url: `${tls.expired!.url}/healthz`, ca: caFile }),
    );
    expect(error.code).toBe('TLS_INVALID');
    expect(error.message).toContain('the certificate has expired [CERT_HAS_EXPIRED]');
  });

  it('rejects a certificate issued for another host name', async () => {
    const error = await actionFailure(
      check(testActionContext(), { url: `${tls.wrongSan!.url}/healthz`, ca: caFile }),
    );
    expect(error.code).toBe('TLS_INVALID');
    expect(error.message).toContain('does not cover this host name (wrong SAN)');
  });

  it('rejects a chain the system does not trust unless insecure is set', async () => {
    const untrusted = await actionFailure(check(testActionContext(), { url: `${tls.good!.url}/healthz` }));
    expect(untrusted.message).toContain('signed by an unknown authority');
    const selfSigned = await actionFailure(
      check(testActionContext(), { url: `${tls.selfSigned!.url}/healthz`, ca: caFile }),
    );
    expect(selfSigned.message).toContain('self-signed');
    const result = await check(testActionContext(), {
      url: `${tls.selfSigned!.url}/healthz`,
      insecure: true,
    });
    expect(result.output).toMatchObject({ status: 200 });
    expect(result.summary).toContain('certificate NOT verified (insecure: true)');
  });

  it('checks a site at a given address before DNS points at it, with its real host name for Host, SNI and TLS', async () => {
    const port = new URL(tls.newSite!.url).port;
    const result = await check(testActionContext(), {
      url: `https://new.shop.test:${port}/echo`,
      connectTo: '127.0.0.1',
      ca: caFile,
      expect: { json: { path: '$.headers.host', equals: `new.shop.test:${port}` } },
    });
    expect(result.summary).toMatch(/^GET https:\/\/new\.shop\.test:\d+\/echo via 127\.0\.0\.1 → 200/);
    expect(result.output).toMatchObject({ certificate: { subject: 'new.shop.test' } });
    const error = await actionFailure(
      check(testActionContext(), { url: `https://new.shop.test:${port}/`, connectTo: 'new-lb' }),
    );
    expect(error.message).toBe("http.check connectTo: 'new-lb' is not an IP address");
  });

  it('keeps secrets out of the summary, output, logs and errors', async () => {
    const ctx = testActionContext({ secrets: ['tok-9f8e7d'] });
    const result = await check(ctx, {
      url: `http://svc:pa55word@127.0.0.1:${new URL(base).port}/echo?token=tok-9f8e7d`,
      headers: { authorization: 'Bearer tok-9f8e7d' },
    });
    const seen = JSON.stringify(result) + ctx.logText();
    expect(seen).not.toContain('tok-9f8e7d');
    expect(seen).not.toContain('pa55word');
    const error = await actionFailure(
      check(ctx, {
        url: `http://svc:pa55word@127.0.0.1:${await freePort()}/?token=tok-9f8e7d`,
        attempts: 2,
        interval: 1,
      }),
    );
    expect(error.message + ctx.logText()).not.toMatch(/pa55word|tok-9f8e7d/);
  });

  it('plans without sending anything', async () => {
    const before = hits;
    const plan = await httpCheckAction.plan!(
      testActionContext(),
      httpCheckParams.parse({ url: `${base}/healthz`, attempts: 3, interval: '5s' }),
    );
    expect(plan.summary).toMatch(
      /would request GET http:\/\/127\.0\.0\.1:\d+\/healthz \(up to 3 probes, 5s apart\)/,
    );
    expect(plan.changes).toEqual([]);
    expect(hits).toBe(before);
  });

  it('stops when the run is aborted', async () => {
    const controller = new AbortController();
    const pending = check(testActionContext({ signal: controller.signal }), {
      url: `${base}/hang`,
      timeout: '1m',
    });
    setTimeout(() => controller.abort(), 50);
    const error = await actionFailure(pending);
    expect(error.code).toBe('ABORTED');
  });

  it('rejects bad parameters with a message per field', () => {
    const result = httpCheckParams.safeParse({
      url: '',
      method: 'FETCH',
      expect: {
        status: 99,
        bodyMatches: '(',
        json: [{ path: '$.a' }, { path: '$.a[*]', equals: 1 }],
        colour: 'red',
      },
      timeout: 'soon',
      attempts: 0,
    });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(
      expect.arrayContaining([
        'url',
        'method',
        'expect.status',
        'expect.bodyMatches',
        'expect',
        'timeout',
        'attempts',
      ]),
    );
    expect(JSON.stringify(result.error!.issues)).toContain('expected a duration such as 5s');
    expect(result.error!.issues.find((i) => i.path.join('.') === 'expect.json.1.path')?.message).toBe(
      "cannot read JSON path '$.a[*]' at position 3 ('[*]'): use $.key, [0] or ['key']",
    );
  });
});
