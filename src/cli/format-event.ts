import { formatOffset } from '../core/plan/offset.js';
import type { Origin, RunEvent } from '../core/run/run-event.js';
import { describeEvent } from '../core/run/describe-event.js';
import type { Style } from './style.js';

export { describeEvent };

/** `#12 T-3h59m 2026-12-04T22:00:01Z  backup: started`. */
export function formatEvent(e: RunEvent, goLiveMs: number, style: Style): string {
  const text = describeEvent(e);
  const paint =
    e.data.type === 'run.ended' || e.data.type === 'rollback.started' || e.data.type === 'step.failed'
      ? style.warning
      : e.data.type === 'step.succeeded'
        ? style.ok
        : (s: string) => s;
  const wall = e.data.wallMs === undefined ? '' : ` wall ${isoSeconds(e.data.wallMs)}`;
  return `${style.dim(`#${e.seq} ${formatOffset(e.atMs - goLiveMs).padEnd(9)} ${isoSeconds(e.atMs)}${wall}`)}  ${paint(text)}`;
}

const isoSeconds = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/** The event as one JSON line (`log --json`); `wallAt` is the wall time of a compressed rehearsal's event. */
export const eventJson = (e: RunEvent): Record<string, unknown> => ({
  seq: e.seq,
  at: new Date(e.atMs).toISOString(),
  ...(e.data.wallMs === undefined ? {} : { wallAt: new Date(e.data.wallMs).toISOString() }),
  actor: e.actor,
  ...(e.data.origin ? { origin: e.data.origin } : {}),
  ...e.data,
  ...(e.data.type === 'run.started' ? { planText: undefined, planDocument: undefined } : {}),
  wallMs: undefined,
  hash: e.hash,
});

/** `cli alice@bastion pid 4242` / `api token ops-1 from 10.0.0.7`. */
export const describeOrigin = (o: Origin): string =>
  o.via === 'cli'
    ? `cli ${o.osUser}@${o.host} pid ${o.pid}`
    : `api token ${o.tokenId} from ${o.clientAddress}`;
