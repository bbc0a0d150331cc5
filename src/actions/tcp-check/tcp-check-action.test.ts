import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/free-port.js';
import { actionFailure, testActionContext } from '../../../test/support/action-context.js';
import { ManualClock } from '../../../test/support/manual-clock.js';
import { tcpCheckAction, tcpCheckParams } from './tcp-check-action.js';

const server: Server = createServer((socket) => socket.end());
let port = 0;

beforeAll(async () => {
  port = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const check = (input: Record<string, unknown>, ctx = testActionContext()) =>
  tcpCheckAction.execute(ctx, tcpCheckParams.parse(input));
describe('tcp.check', () => {
  it('passes when the port accepts a connection and reports the peer', async () => {
    const result = await check({ host: '127.0.0.1', port });
    expect(result.summary).toMatch(new RegExp(`127\\.0\\.0\\.1:${port} is open \\(connected in \\d+ms\\)`));
    expect(result.output).toMatchObject({ open: true, peer: `127.0.0.1:${port}` });
  });

  it('fails with "connection refused" when nothing listens', async () => {
    const closed = await freePort();
    const error = await actionFailure(check({ host: '127.0.0.1', port: closed }));
    expect(error.code).toBe('UNREACHABLE');
    expect(error.message).toBe(
      `connection refused by 127.0.0.1:${closed}: nothing is listening there (or a firewall rejects it)`,
    );
  });

  it('checks that a port is closed when told to expect it', async () => {
    const closed = await freePort();
    const result = await check({ host: '127.0.0.1', port: closed, expect: 'closed' });
    expect(result.output).toMatchObject({ open: false });
    const error = await actionFailure(check({ host: '127.0.0.1', port, expect: 'closed' }));
    expect(error.message).toContain('accepts connections, but it was expected to be closed');
  });

  it('names a host that does not resolve', async () => {
    const error = await actionFailure(check({ host: 'no-such-host.invalid', port: 80, timeout: '5s' }));
    expect(error.message).toMatch(/does not resolve|could not be resolved/);
  });

  it('times out on a port that swallows SYNs, within the timeout', async () => {
    // Loopback never drops SYNs, so the deadline is driven through the run's clock instead: a clock whose
    // sleep resolves at once makes the 5s deadline expire before the connection completes.
    const instant = new ManualClock(Date.now(), { autoAdvance: true });
    const error = await actionFailure(
      check({ host: '127.0.0.1', port }, testActionContext({ clock: instant })),
    );
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain(`TCP connect to 127.0.0.1:${port}: no answer within 5s`);
  });

  it('plans without connecting', async () => {
    const plan = await tcpCheckAction.plan!(
      testActionContext(),
      tcpCheckParams.parse({ host: 'db', port: 5432 }),
    );
    expect(plan.summary).toBe('would open a TCP connection to db:5432 and expect it open; changes nothing');
  });

  it('rejects bad parameters', () => {
    const result = tcpCheckParams.safeParse({ host: '', port: 70000, timeout: '-1s', expect: 'maybe' });
    expect(result.error?.issues.map((i) => i.path.join('.')).sort()).toEqual([
      'expect',
      'host',
      'port',
      'timeout',
    ]);
  });
});
