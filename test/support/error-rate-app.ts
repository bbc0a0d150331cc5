import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ErrorRateApp {
  /** `127.0.0.1:port`, for a Prometheus scrape target. */
  readonly target: string;
  /** The app's own URL (GET / answers 200 or 500). */
  readonly url: string;
  /** Share (0–1) of requests answered 500 from now on; exact over every 1/rate requests, not random. */
  setErrorRate(rate: number): void;
  /** Requests answered so far, by status. */
  counts(): { readonly ok: number; readonly errors: number };
  stop(): Promise<void>;
}

/**
 * A small web app for go-live tests: it answers `GET /` with 200 or, at the error rate the test sets, 500,
 * counts its answers in `app_requests_total{code=…}` on `/metrics` (Prometheus text format), and sends
 * itself `rps` requests per second so that Prometheus sees live traffic without a separate load generator.
 * The error rate is deterministic (an accumulator, not a die): at 0.5 exactly every other request fails.
 */
export async function startErrorRateApp(
  options: { readonly rps?: number; readonly errorRate?: number } = {},
) {
  let rate = options.errorRate ?? 0;
  let debt = 0;
  let ok = 0;
  let errors = 0;
  const server: Server = createServer((req, res) => {
    if (req.url === '/metrics') {
      res
        .writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
        .end(
          [
            '# TYPE app_requests_total counter',
            `app_requests_total{code="200"} ${ok}`,
            `app_requests_total{code="500"} ${errors}`,
            '',
          ].join('\n'),
        );
      return;
    }
    debt += rate;
    if (debt >= 1 - 1e-9) {
      debt -= 1;
      errors += 1;
      res.writeHead(500).end('error\n');
    } else {
      ok += 1;
      res.writeHead(200).end('ok\n');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/`;
  const rps = options.rps ?? 20;
  const traffic = setInterval(() => {
    void fetch(url).then(
      (r) => r.body?.cancel(),
      () => undefined,
    );
  }, 1000 / rps);
  const app: ErrorRateApp = {
    target: `127.0.0.1:${port}`,
    url,
    setErrorRate(r) {
      if (!(r >= 0 && r <= 1)) throw new Error(`an error rate is between 0 and 1, not ${r}`);
      rate = r;
      debt = 0;
    },
    counts: () => ({ ok, errors }),
    stop: async () => {
      clearInterval(traffic);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return app;
}

/** The PromQL error ratio of the app over the last `window` (e.g. '5s'); NaN (0/0) when there is no traffic. */
export const errorRatioQuery = (window = '5s') =>
  `sum(rate(app_requests_total{code="500"}[${window}])) / sum(rate(app_requests_total[${window}]))`;
