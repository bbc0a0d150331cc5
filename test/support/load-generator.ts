import { Agent, get } from 'node:http';

export interface LoadSample {
  /** Milliseconds since the load started, when the request was sent. */
  readonly at: number;
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
  /** Share (0–1) of successful answers from `env` among samples sent in [fromMs, toMs). */
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
}): Promise<LoadResult> {
  const url = new URL(options.url);
  if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost') {
    throw new Error(`the load generator only targets loopback, not ${url.hostname}`);
  }
  const agent = new Agent({ keepAlive: options.keepAlive ?? true, maxSockets: 64 });
  const samples: LoadSample[] = [];
  const pending: Promise<void>[] = [];
  const started = performance.now();
  const one = (at: number) =>
    new Promise<void>((resolve) => {
      let done = false;
      const finish = (sample: Omit<LoadSample, 'at'>) => {
        if (done) return;
        done = true;
        samples.push({ at, ...sample });
        resolve();
      };
      const req = get(url, { agent, timeout: options.timeoutMs ?? 5_000 }, (res) => {
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
    pending.push(one(performance.now() - started));
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
      return inWindow.length === 0 ? 0 : inWindow.filter((s) => s.env === env).length / inWindow.length;
    },
  };
}
