import { connect } from 'node:net';
import { z } from 'zod';
import { TminusError } from '../../core/tminus-error.js';
import type { ActionDefinition } from '../../engine/action.js';
import { formatMs, withDeadline } from '../action-deadline.js';
import { durationParam } from '../duration-param.js';
import { describeNetworkError } from '../shared/network/describe-network-error.js';

export const tcpCheckParams = z
  .object({
    host: z.string().min(1).meta({ description: 'Host name or IP address' }),
    port: z.number().int().min(1).max(65_535).meta({ description: 'TCP port' }),
    timeout: durationParam('How long to wait for the connection (default 5s)').default(5_000),
    expect: z.enum(['open', 'closed']).default('open').meta({
      description: "'open' (default) or 'closed' — e.g. the legacy port must be shut after cutover",
    }),
  })
  .strict();
export type TcpCheckParams = z.infer<typeof tcpCheckParams>;

/** Opens a TCP connection and closes it at once; resolves with the peer address. */
function openConnection(host: string, port: number, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, signal });
    socket.once('connect', () => {
      const peer = `${socket.remoteAddress ?? host}:${socket.remotePort ?? port}`;
      socket.destroy();
      resolve(peer);
    });
    socket.once('error', (error) => reject(signal.aborted ? (signal.reason as Error) : error));
  });
}

/** `tcp.check`: whether a port accepts connections (or, with `expect: closed`, refuses them). */
export const tcpCheckAction: ActionDefinition<TcpCheckParams> = {
  type: 'tcp.check',
  description: 'Check that a TCP port accepts connections within a timeout (or that it is closed)',
  params: tcpCheckParams,
  idempotent: true,

  plan(_ctx, p) {
    return Promise.resolve({
      summary: `would open a TCP connection to ${p.host}:${p.port} and expect it ${p.expect}; changes nothing`,
      changes: [],
    });
  },

  async execute(ctx, p) {
    const target = `${p.host}:${p.port}`;
    const started = ctx.clock.now();
    let peer: string | undefined;
    let failure: TminusError | undefined;
    try {
      peer = await withDeadline(ctx, p.timeout, `TCP connect to ${target}`, (signal) =>
        openConnection(p.host, p.port, signal),
      );
    } catch (error) {
      failure = describeNetworkError(error, target);
      if (failure.code === 'ABORTED') throw failure;
    }
    const connectMs = ctx.clock.now() - started;
    if (p.expect === 'open') {
      if (failure) throw failure;
      return {
        summary: `${target} is open (connected in ${formatMs(connectMs)})`,
        output: { host: p.host, port: p.port, open: true, peer, connectMs },
        value: true,
      };
    }
    if (!failure) {
      throw new TminusError(
        'CHECK_FAILED',
        `${target} accepts connections, but it was expected to be closed`,
      );
    }
    return {
      summary: `${target} is closed as expected (${failure.message})`,
      output: { host: p.host, port: p.port, open: false, reason: failure.message },
      value: false,
    };
  },
};
