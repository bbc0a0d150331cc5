import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWarRoom } from '../../src/server/war-room-server.js';
import type { WarRoom } from '../../src/server/war-room-server.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { cli } from '../support/cli.js';
import { warRoomRun } from '../server/war-room-plan.js';

let dir: string;
let storePath: string;
let room: WarRoom;
let store: SqliteStore;
const RUN = 'cli-run';

const tminus = (args: string[], env: Record<string, string> = {}) => cli(args, { cwd: dir, env });
async function token(person: string, role = 'person'): Promise<string> {
  const r = await tminus(['token', 'create', '--as', person, '--role', role, '--store', storePath]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tminus-war-room-cli-'));
  storePath = join(dir, '.tminus', 'tminus.db');
  store = SqliteStore.open(storePath);
  await store.createRun(RUN, warRoomRun(Date.now() + 20 * 60_000));
  room = await startWarRoom({ store, port: 0, bind: '127.0.0.1' });
});

afterAll(async () => {
  await room?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('tminus token', () => {
  it('creates a token shown once, lists it without its secret, and revokes it', async () => {
    const created = await tminus(['token', 'create', '--as', 'dave', '--expires', '12h']);
    expect(created.code, created.stderr).toBe(0);
    const text = created.stdout.trim();
    expect(text).toMatch(/^tmn_[a-z0-9]{10}_[A-Za-z0-9_-]{43}$/);
    const id = text.slice(4, 14);
    expect(created.stderr).toContain(`token ${id} for dave (person, expires `);
    const list = await tminus(['token', 'list', '--json']);
    const listed = JSON.parse(list.stdout) as { id: string; person: string; revoked: string | null }[];
    expect(listed.find((t) => t.id === id)).toMatchObject({ person: 'dave', revoked: null });
    expect(list.stdout).not.toContain(text.slice(15));
    const revoked = await tminus(['token', 'revoke', id]);
    expect(revoked.stdout).toBe(`token ${id} (dave) revoked\n`);
    expect((await tminus(['token', 'list'])).stdout).toMatch(
      new RegExp(`${id}\\s+dave\\s+person\\s+revoked`),
    );
  });

  it('refuses bad flags with exit 2, naming the flag and the value', async () => {
    const a = await tminus(['token', 'create']);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('--as PERSON');
    const b = await tminus(['token', 'create', '--as', 'dave', '--role', 'admin']);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("--role: 'admin' is not a token role");
    const c = await tminus(['token', 'create', '--as', 'dave', '--expires', 'soon']);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain("--expires: 'soon' is not a duration");
    const d = await tminus(['token', 'revoke', 'nope']);
    expect(d.code).toBe(2);
    expect(d.stderr).toContain("no token 'nope'");
  });
});

describe('the CLI through a war-room server (--server, TMINUS_TOKEN)', () => {
  it('shows status and the log from the server', async () => {
    const env = { TMINUS_TOKEN: await token('frank', 'viewer') };
    const status = await tminus(['status', '--server', room.url], env);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('War room test');
    expect(status.stdout).toMatch(/stop-jobs\s+waiting/);
    expect(status.stdout).toContain('stop-jobs: bob, dave — complete');
    const log = await tminus(['log', '--server', room.url, '--run', RUN], env);
    expect(log.stdout).toContain('#2 ');
    expect(log.stdout).toContain('go-no-go: waiting for people');
  });

  it('acts as the token’s person, and refuses a viewer, a missing token and a contradicting --as', async () => {
    const bob = { TMINUS_TOKEN: await token('bob') };
    const done = await tminus(['complete', 'stop-jobs', '--server', room.url, '--reason', 'cron off'], bob);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toBe('stop-jobs: completed by bob — cron off\n');
    const vote = await tminus(['vote', 'go-no-go', 'go', '--server', room.url, '--as', 'bob'], bob);
    expect(vote.stdout).toBe('go-no-go: bob votes go\n');
    const as = await tminus(['vote', 'go-no-go', 'go', '--server', room.url, '--as', 'dave'], bob);
    expect(as.code).toBe(2);
    expect(as.stderr).toContain('--as dave: the token in TMINUS_TOKEN acts as bob');
    const viewer = await tminus(['skip', 'backup', '--reason', 'x', '--server', room.url], {
      TMINUS_TOKEN: await token('frank', 'viewer'),
    });
    expect(viewer.code).toBe(1);
    expect(viewer.stderr).toContain('read-only viewer token');
    const none = await tminus(['pause', '--server', room.url]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('TMINUS_TOKEN');
    const bad = await tminus(['pause', '--server', room.url], {
      TMINUS_TOKEN: 'tmn_0000000000_' + 'x'.repeat(43),
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not valid');
    const events = await store.readEvents(RUN);
    expect(events.filter((e) => e.actor === 'bob').map((e) => e.data.type)).toEqual([
      'step.completed',
      'gate.voted',
    ]);
    expect(events.some((e) => e.actor === 'frank' || e.data.type === 'run.paused')).toBe(false);
  });
});
