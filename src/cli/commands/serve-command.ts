import { TminusError } from '../../core/tminus-error.js';
import { startWarRoom } from '../../server/war-room-server.js';
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../cli-io.js';
import type { StoreOptions } from '../run-context.js';
import { findStorePath } from '../run-context.js';
import { createStore, displayStore } from '../../store/open-store.js';

/** `tminus serve`: the war room (API, live stream, dashboard) until SIGINT/SIGTERM or `signal`. */
export async function serveCommand(
  options: StoreOptions & { port?: string; bind?: string; allowOrigin?: string[] },
  io: CliIo,
  signal?: AbortSignal,
): Promise<number> {
  const port = Number(options.port ?? '7070');
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new TminusError('USAGE', `--port: '${options.port}' is not a port number`, {
      hint: '0–65535 (0: any free port)',
    });
  }
  const location = findStorePath(options, io);
  const store = await createStore(location);
  const bind = options.bind ?? '127.0.0.1';
  let room;
  try {
    room = await startWarRoom({
      store,
      port,
      bind,
      realNow: io.now,
      env: io.env,
      where: displayStore(location),
      logger: {
        debug: () => undefined,
        info: (m) => io.stderr.write(`${m}\n`),
        warn: (m) => io.stderr.write(`warning: ${m}\n`),
        error: (m) => io.stderr.write(`error: ${m}\n`),
      },
      ...(options.allowOrigin ? { allowedOrigins: options.allowOrigin } : {}),
    });
  } catch (cause) {
    await store.close();
    const code = (cause as NodeJS.ErrnoException).code;
    throw new TminusError(
      'USAGE',
      code === 'EADDRINUSE'
        ? `--port: ${port} on ${bind} is already in use`
        : `cannot listen on ${bind}:${port}: ${(cause as Error).message}`,
      { cause },
    );
  }
  io.stdout.write(`war room at ${room.url}  (store ${displayStore(location)})\n`);
  if (bind !== '127.0.0.1' && bind !== '::1' && bind !== 'localhost') {
    io.stderr.write('warning: listening beyond this machine without TLS; put it behind a TLS proxy\n');
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    signal?.addEventListener('abort', stop, { once: true });
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await room.close();
  await store.close();
  return EXIT.ok;
}
