import { createParser } from 'eventsource-parser';
import type { RunView } from '../../src/core/run/run-view.js';

export type { RunView };
export type TaskView = RunView['tasks'][number];

export interface Me {
  readonly person: string;
  readonly role: 'person' | 'viewer';
  readonly tokenId: string;
}

export interface LogEvent {
  readonly seq: number;
  readonly atMs: number;
  readonly actor: string;
  readonly type: string;
  readonly text: string;
  readonly data?: Record<string, unknown>;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** Calls the war-room API with the signed-in person's token (never a cookie: no cross-site requests). */
export async function api<T>(token: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json().catch(() => undefined)) as
    { error?: { code: string; message: string; hint?: string } } | undefined;
  if (!res.ok) {
    throw new ApiError(
      res.status,
      json?.error?.code ?? 'HTTP',
      json?.error?.message ?? `the server answered ${res.status}`,
      json?.error?.hint,
    );
  }
  return json as T;
}

export type StreamStatus = 'connecting' | 'live' | 'reconnecting';

/**
 * Follows a run's event stream with the token in a header (EventSource cannot send one), reconnecting
 * with `Last-Event-ID` after any drop so no event is lost, and ignoring any event already seen.
 */
export function followRun(
  token: string,
  runId: string,
  on: {
    view: (v: RunView) => void;
    event: (e: LogEvent) => void;
    status: (s: StreamStatus) => void;
    unauthorized: (message: string) => void;
  },
): () => void {
  let lastSeq = 0;
  let stopped = false;
  let controller: AbortController | undefined;
  let delay = 250;
  const connect = async () => {
    while (!stopped) {
      controller = new AbortController();
      try {
        const res = await fetch(`/api/runs/${encodeURIComponent(runId)}/stream`, {
          headers: {
            Authorization: `Bearer ${token}`,
            Accept: 'text/event-stream',
            ...(lastSeq > 0 ? { 'Last-Event-ID': String(lastSeq) } : {}),
          },
          signal: controller.signal,
          cache: 'no-store',
        });
        if (res.status === 401 || res.status === 403 || res.status === 404) {
          const body = (await res.json().catch(() => undefined)) as
            { error?: { message: string } } | undefined;
          on.unauthorized(body?.error?.message ?? `the server answered ${res.status}`);
          return;
        }
        if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
        on.status('live');
        delay = 250;
        const parser = createParser({
          onEvent: (m) => {
            if (m.event === 'view') on.view(JSON.parse(m.data) as RunView);
            else if (m.event === 'run-event') {
              const e = JSON.parse(m.data) as LogEvent;
              if (e.seq <= lastSeq) return;
              lastSeq = e.seq;
              on.event(e);
            }
          },
        });
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.feed(decoder.decode(value, { stream: true }));
        }
      } catch {
        // dropped: fall through and reconnect
      }
      if (stopped) return;
      on.status('reconnecting');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 5_000);
    }
  };
  on.status('connecting');
  void connect();
  return () => {
    stopped = true;
    controller?.abort();
  };
}
