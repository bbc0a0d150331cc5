import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import type { ServerType } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Logger } from '../core/logger.js';
import type { RunStore, TokenStore } from '../store/store.js';
import { RunFollowers } from './run-follower.js';
import { builtinActions } from '../actions/builtin-actions.js';
import { ACTION_TYPES } from '../core/action-types.js';
import { SessionRunAccess } from './session-run-access.js';
import { createWarRoomApp } from './war-room-app.js';

/** The built dashboard: `dist/web` in the package, whether running from `dist/server` or `src/server`. */
export const WEB_ROOT = fileURLToPath(new URL('../../dist/web/', import.meta.url));

export interface WarRoomOptions {
  readonly store: RunStore & TokenStore;
  readonly port: number;
  readonly bind: string;
  readonly realNow?: () => number;
  readonly logger?: Logger;
  /** How often a watched run's journal is read for events appended by other processes. */
  readonly pollMs?: number;
  readonly allowedOrigins?: readonly string[];
  /** Where `${env:…}` secrets of readiness checks come from (default: this process's environment). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Names the store in messages (never a password). */
  readonly where?: string;
}

export interface WarRoom {
  readonly url: string;
  close(): Promise<void>;
}

/** Starts `tminus serve`: the API, the live stream and the dashboard on one port. */
export async function startWarRoom(options: WarRoomOptions): Promise<WarRoom> {
  const realNow = options.realNow ?? (() => Date.now());
  const actions = builtinActions();
  const access = new SessionRunAccess(options.store, {
    actions,
    catalog: actions.catalog(ACTION_TYPES),
    env: options.env ?? process.env,
    realNow,
    where: options.where ?? 'the store',
  });
  const followers = new RunFollowers(access, options.pollMs ?? 250, realNow);
  const app = createWarRoomApp({
    access,
    tokens: options.store,
    followers,
    realNow,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.allowedOrigins ? { allowedOrigins: options.allowedOrigins } : {}),
  });
  if (existsSync(WEB_ROOT)) {
    app.use('/*', serveStatic({ root: WEB_ROOT }));
    app.get('/*', serveStatic({ root: WEB_ROOT, path: 'index.html' }));
  }
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port, hostname: options.bind }, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    async close() {
      await followers.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ('closeAllConnections' in server) server.closeAllConnections();
      });
    },
  };
}
