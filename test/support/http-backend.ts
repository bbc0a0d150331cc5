import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpBackend {
  readonly name: string;
  readonly port: number;
  /** Requests served so far (health checks included). */
  hits(): number;
  /** Requests received so far whose path starts with `prefix` (counted on arrival, before the answer). */
  hitsOn(prefix: string): number;
  /** Answers every request to `/hold…` received so far (they wait for this, however long it takes). */
  release(): void;
  /** Changes the status later requests get (e.g. 503 to make a step check fail). */
  setStatus(status: number): void;
  stop(): Promise<void>;
}

/**
 * A tiny app server on 127.0.0.1 standing for one environment: every answer says which one it is, in the
 * body and in `x-env`, so a load test can count the share of each side.
 */
export async function startHttpBackend(
  name: string,
  options: { status?: number; /** A fixed port; a free one by default. */ port?: number } = {},
): Promise<HttpBackend> {
  let status = options.status ?? 200;
  let hits = 0;
  const paths: string[] = [];
  const held: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    hits++;
    paths.push(req.url ?? '');
    req.resume();
    const answer = () => {
      res.writeHead(status, { 'content-type': 'text/plain', 'x-env': name });
      res.end(`${name}\n`);
    };
    // `/hold` answers when the test releases it: an in-flight request across a reload or a drain, for as
    // long as the test needs. `/slow` answers after 500 ms.
    if (req.url?.startsWith('/hold')) held.push(answer);
    else setTimeout(answer, req.url?.startsWith('/slow') ? 500 : 0);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    name,
    port,
    hits: () => hits,
    hitsOn: (prefix) => paths.filter((p) => p.startsWith(prefix)).length,
    setStatus: (s) => (status = s),
    release: () => {
      for (const answer of held.splice(0)) answer();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
