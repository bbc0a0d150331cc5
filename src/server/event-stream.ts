import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { describeEvent } from '../core/run/describe-event.js';
import type { RunEvent } from '../core/run/run-event.js';
import type { RunAccess } from './run-access.js';
import type { RunFollower } from './run-follower.js';

const BATCH = 500;
const HEARTBEAT_MS = 15_000;

/** An event as the API and the stream send it. */
export const eventAnswer = (e: RunEvent) => ({
  seq: e.seq,
  atMs: e.atMs,
  actor: e.actor,
  type: e.data.type,
  text: describeEvent(e),
  data: (e.data.type === 'run.started'
    ? { ...e.data, planText: undefined, planDocument: undefined }
    : e.data) as Record<string, unknown>,
});

/**
 * Server-sent events for one client: first the current view, then every event after `afterSeq` (replayed
 * from memory or, when older, from the store), then live events as the run's follower receives them,
 * each burst followed by the fresh view. `id:` is the event's seq, so a reconnecting client that sends
 * `Last-Event-ID` gets exactly what it missed: nothing lost, nothing twice.
 */
export function eventStream(
  c: Context,
  access: RunAccess,
  follower: RunFollower,
  afterSeq: number,
): Response {
  return streamSSE(c, async (stream) => {
    let sent = afterSeq;
    let pumping: Promise<void> | undefined;
    let again = false;
    /** Writes the events the client has not had yet; true when it wrote any. */
    const pump = async (): Promise<boolean> => {
      let wrote = false;
      while (sent < follower.lastSeq && !stream.aborted) {
        const batch =
          follower.eventsAfter(sent, BATCH) ?? (await access.readEvents(follower.runId, sent, BATCH));
        if (batch.length === 0) break;
        for (const e of batch) {
          if (e.seq !== sent + 1) continue;
          await stream.writeSSE({
            id: String(e.seq),
            event: 'run-event',
            data: JSON.stringify(eventAnswer(e)),
          });
          sent = e.seq;
          wrote = true;
        }
      }
      return wrote;
    };
    // The view follows the events once the client has caught up: a burst of events is one view, not one each.
    const wake = () => {
      if (pumping) {
        again = true;
        return;
      }
      pumping = (async () => {
        do {
          let wrote = false;
          do {
            again = false;
            wrote = (await pump()) || wrote;
          } while (again && !stream.aborted);
          if (wrote && !stream.aborted) await stream.write((await follower.view()).frame);
        } while (again && !stream.aborted);
      })()
        .catch(() => stream.abort())
        .finally(() => (pumping = undefined));
    };
    await stream.write((await follower.view()).frame);
    const stop = follower.listen(wake);
    const heartbeat = setInterval(
      () => void stream.write(': keep-alive\n\n').catch(() => stream.abort()),
      HEARTBEAT_MS,
    );
    try {
      wake();
      await new Promise<void>((resolve) => stream.onAbort(resolve));
    } finally {
      clearInterval(heartbeat);
      stop();
    }
  });
}
