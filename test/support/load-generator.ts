import { Agent, get } from 'node:http';

export interface LoadSample {
  /** Milliseconds since the load started, when the request was sent. */
  readonly at: number;
  /** Milliseconds since the load started, when the answer (or the failure) came back. */
  readonly doneAt: number;
  /** `x-env` of the answer, or undefined on failure. */
  readonly env: string | undefined;
  readonly status: number | undefined;
  /** Error code (ECONNRESET, timeout, …) or `status NNN` for a non-2xx answer. */
  readonly failure: string | undefined;
}

export interface LoadResult {
  readonly samples: readonly LoadSample[];
  readonly total: number;
  readonly failures: number;
  readonly failureKinds: Readonly<Record<string, number>>;
  /**
   * Share (0–1) of successful answers from `env` among samples sent in [fromMs, toMs); NaN when none
   * succeeded in that window, so an empty window never passes for 0 % or 100 %.
   */
  share(env: string, fromMs?: number, toMs?: number): number;
}

/**
 * An open-loop HTTP load generator for loopback tests: requests leave on schedule at `rate` per second
 * whatever the latency (no coordinated omission), over keep-alive connections, bounded by `count`. Every
 * request ends as an answer or a classified failure; nothing is dropped from the count.
 */
export async function runLoad(options: {
  readonly url: string;
  readonly rate: number;
  readonly count: number;
  readonly keepAlive?: boolean;
  readonly timeoutMs?: number;
  /** Stops sending (before `count`) once aborted; requests already sent still finish and count. */
  readonly signal?: AbortSignal;
  /** Told of each request as it leaves (ms since the start), e.g. to stop the load some time after an event. */
  readonly onSend?: (atMs: number, sent: number) => void;
  /** `performance.now()` the sample times count from (default: when the load starts). */
  readonly origin?: number;
  /** Told of each answer or failure as it comes back. */
  readonly onDone?: (sample: LoadSample) => void;
}): Promise<LoadResult> {
  const url = new URL(options.url);
  if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost') {
    throw new Error(`the load generator only targets loopback, not ${url.hostname}`);
  }
  const agent = new Agent({ keepAlive: options.keepAlive ?? true, maxSockets: 64 });
  const samples: LoadSample[] = [];
  const pending: Promise<void>[] = [];
  const started = options.origin ?? performance.now();
  const one = (at: number) =>
    new Promise<void>((resolve) => {
      let done = false;
      const finish = (sample: Omit<LoadSample, 'at' | 'doneAt'>) => {
        if (done) return;
        done = true;
        const full = { at, doneAt: performance.now() - started, ...sample };
        samples.push(full);
        options.onDone?.(full);
        resolve();
      };
      // Generous: on a loaded machine a loopback answer can take seconds, and that is not what a test checks.
      const req = get(url, { agent, timeout: options.timeoutMs ?? 30_000 }, (res) => {
        res.resume();
        res.on('end', () => {
          const env = res.headers['x-env'];
          const status = res.statusCode ?? 0;
          finish({
            env: typeof env === 'string' ? env : undefined,
            status,
            failure: status >= 200 && status < 300 ? undefined : `status ${status}`,
          });
        });
        res.on('error', (err: NodeJS.ErrnoException) =>
          finish({ env: undefined, status: res.statusCode, failure: err.code ?? err.message }),
        );
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
      req.on('error', (err: NodeJS.ErrnoException) =>
        finish({ env: undefined, status: undefined, failure: err.code ?? err.message }),
      );
    });
  const intervalMs = 1000 / options.rate;
  for (let i = 0; i < options.count && !options.signal?.aborted; i++) {
    const due = started + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const at = performance.now() - started;
    pending.push(one(at));
    options.onSend?.(at, i + 1);
  }
  await Promise.all(pending);
  agent.destroy();
  samples.sort((a, b) => a.at - b.at);
  const failureKinds: Record<string, number> = {};
  for (const s of samples) if (s.failure) failureKinds[s.failure] = (failureKinds[s.failure] ?? 0) + 1;
  return {
    samples,
    total: samples.length,
    failures: samples.filter((s) => s.failure).length,
    failureKinds,
    share(env, fromMs = 0, toMs = Infinity) {
      const inWindow = samples.filter((s) => s.at >= fromMs && s.at < toMs && !s.failure);
      return shareOf(inWindow, env);
    },
  };
}

/** Share (0–1) of successful answers from `env` among `samples`; NaN when none of them succeeded. */
export function shareOf(samples: readonly LoadSample[], env: string): number {
  const ok = samples.filter((s) => !s.failure);
  return ok.length === 0 ? Number.NaN : ok.filter((s) => s.env === env).length / ok.length;
}
