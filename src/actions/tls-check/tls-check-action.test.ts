import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionFailure, testActionContext } from '../../../test/support/action-context.js';
import { daysFromNow, issueTestCertificate } from '../../../test/support/test-certificates.js';
import { tlsCheckAction, tlsCheckParams } from './tls-check-action.js';

const ports: Record<string, number> = {};
const servers: Server[] = [];
let dir = '';
let caFile = '';

const sockets = new Set<Socket>();
const listen = async (name: string, server: Server) => {
  servers.push(server);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  ports[name] = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tminus-tls-check-'));
  const root = issueTestCertificate({ commonName: 'tminus Test Root CA', isCa: true });
  const intermediate = issueTestCertificate({
    commonName: 'tminus Test Issuing CA',
    isCa: true,
    issuer: root,
  });
  caFile = join(dir, 'root.pem');
  writeFileSync(caFile, root.certPem);
  const names = ['localhost', 'new.shop.test', '127.0.0.1'];
  const leaf = (o: Partial<Parameters<typeof issueTestCertificate>[0]> = {}) =>
    issueTestCertificate({ commonName: 'new.shop.test', altNames: names, issuer: intermediate, ...o });
  const good = leaf();
  // The server sends its chain (leaf + intermediate), as a correctly configured server does.
  const chained = (c: { certPem: string; keyPem: string }) => ({
    cert: c.certPem + intermediate.certPem,
    key: c.keyPem,
  });
  await listen(
    'good',
    createTlsServer(chained(good), (s) => s.end()),
  );
  await listen(
    'leafOnly',
    createTlsServer({ cert: good.certPem, key: good.keyPem }, (s) => s.end()),
  );
  await listen(
    'expired',
    createTlsServer(chained(leaf({ notBefore: daysFromNow(-100), notAfter: daysFromNow(-3) })), (s) =>
      s.end(),
    ),
  );
  await listen(
    'soon',
    createTlsServer(chained(leaf({ notAfter: daysFromNow(10.5) })), (s) => s.end()),
  );
  await listen(
    'wrongSan',
    createTlsServer(chained(leaf({ commonName: 'legacy.shop.test', altNames: ['legacy.shop.test'] })), (s) =>
      s.end(),
    ),
  );
  const self = issueTestCertificate({ commonName: 'new.shop.test', altNames: names });
  await listen(
    'selfSigned',
    createTlsServer({ cert: self.certPem, key: self.keyPem }, (s) => s.end()),
  );
  await listen(
    'plain',
    createTcpServer((s) => s.end('SSH-2.0-OpenSSH_9.2\r\n')),
  );
  await listen(
    'silent',
    createTcpServer(() => undefined),
  );
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  rmSync(dir, { recursive: true, force: true });
});

const check = (input: Record<string, unknown>) =>
  tlsCheckAction.execute(
    testActionContext(),
    tlsCheckParams.parse({ host: '127.0.0.1', servername: 'new.shop.test', ...input }),
  );
describe('tls.check', () => {
  it('passes a good chain from a private CA and reports issuer, subject, SAN and expiry', async () => {
    const result = await check({ port: ports.good, ca: caFile });
    expect(result.output).toMatchObject({
      subject: 'new.shop.test',
      issuer: 'tminus Test Issuing CA',
      san: ['DNS:localhost', 'DNS:new.shop.test', 'IP Address:127.0.0.1'],
      chain: ['new.shop.test', 'tminus Test Issuing CA', 'tminus Test Root CA'],
      trusted: true,
      problems: [],
    });
    expect(result.value).toBeGreaterThanOrEqual(88);
    expect(result.summary).toMatch(
      /trusted certificate from tminus Test Issuing CA, valid (88|89|90) more days/,
    );
  });

  it('rejects an expired certificate', async () => {
    const error = await actionFailure(check({ port: ports.expired, ca: caFile }));
    expect(error.code).toBe('TLS_INVALID');
    expect(error.message).toContain('the certificate has expired [CERT_HAS_EXPIRED]');
  });

  it('fails when fewer days remain than minDaysToExpiry', async () => {
    const error = await actionFailure(check({ port: ports.soon, ca: caFile }));
    expect(error.message).toContain('the certificate expires in 10 days, fewer than the required 14');
    const result = await check({ port: ports.soon, ca: caFile, minDaysToExpiry: 7 });
    expect(result.value).toBe(10);
  });

  it('rejects a certificate whose SAN does not contain the expected host, naming what it covers', async () => {
    const error = await actionFailure(check({ port: ports.wrongSan, ca: caFile }));
    expect(error.message).toContain(
      "the certificate does not cover 'new.shop.test' (it names DNS:legacy.shop.test)",
    );
  });

  it('rejects a chain not rooted in the trusted CAs', async () => {
    const systemOnly = await actionFailure(check({ port: ports.good }));
    expect(systemOnly.message).toMatch(/unknown authority|self-signed root/);
    const selfSigned = await actionFailure(check({ port: ports.selfSigned, ca: caFile }));
    expect(selfSigned.message).toContain(
      'the certificate is self-signed and not trusted [DEPTH_ZERO_SELF_SIGNED_CERT]',
    );
  });

  it('reports a server that does not send its intermediate certificate', async () => {
    const error = await actionFailure(check({ port: ports.leafOnly, ca: caFile }));
    expect(error.message).toContain('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(error.message).toContain('does not send its intermediate certificates');
  });

  it('reports every problem of a bad certificate at once', async () => {
    const error = await actionFailure(check({ port: ports.selfSigned, servername: 'shop.example.org' }));
    expect(error.message).toContain('self-signed');
    expect(error.message).toContain("does not cover 'shop.example.org'");
  });

  it('says so when the port does not speak TLS', async () => {
    const error = await actionFailure(check({ port: ports.plain }));
    expect(error.code).toBe('TLS_INVALID');
    expect(error.message).toMatch(/did not answer with TLS|handshake failed|TLS failed/);
  });

  it('times out on a port that accepts but never completes the handshake', async () => {
    const error = await actionFailure(check({ port: ports.silent, timeout: 300 }));
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain('no answer within 300ms');
  });

  it('reports a CA file that cannot be read', async () => {
    const error = await actionFailure(check({ port: ports.good, ca: join(dir, 'missing.pem') }));
    expect(error.code).toBe('INVALID_PARAMS');
    expect(error.message).toContain('cannot read the CA file');
  });

  it('rejects bad parameters', () => {
    const result = tlsCheckParams.safeParse({ port: 0, minDaysToExpiry: -1, extra: 1 });
    expect(result.error?.issues.map((i) => i.path.join('.')).sort()).toEqual([
      '',
      'host',
      'minDaysToExpiry',
      'port',
    ]);
  });
});
