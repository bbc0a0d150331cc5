import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../src/engine/access-tokens.js';
import { startWarRoom } from '../../src/server/war-room-server.js';
import type { WarRoom } from '../../src/server/war-room-server.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { launchChromium } from '../support/chromium.js';
import { ensureDashboardBuilt } from '../support/dashboard-build.js';
import { ROOT } from '../support/cli.js';
import { warRoomRun } from '../server/war-room-plan.js';

const ARTIFACTS = join(ROOT, 'test-artifacts', 'war-room');
const RUN = 'dash-run';

let dir: string;
let store: SqliteStore;
let room: WarRoom;
let port: number;
let chromium: { browser: Browser; close: () => Promise<void> };
const tokens = {} as Record<'alice' | 'bob' | 'frank', string>;

const serve = (p = 0) => startWarRoom({ store, port: p, bind: '127.0.0.1', pollMs: 100 });

async function signIn(person: keyof typeof tokens, viewport = { width: 1440, height: 1000 }): Promise<Page> {
  const context = await chromium.browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(room.url.replace(/:\d+$/, `:${port}`) + '/');
  await page.fill('input[name=token]', tokens[person]);
  await page.click('button[type=submit]');
  await page.waitForSelector(`a[data-run="${RUN}"]`);
  await page.click(`a[data-run="${RUN}"]`);
  await page.waitForSelector('[data-testid=connection]:has-text("live")');
  return page;
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

/** The seqs in a page's event log, oldest first. */
const loggedSeqs = async (page: Page) =>
  (
    await page.$$eval('[data-testid=event-log] li', (lis) =>
      lis.map((li) => Number(li.getAttribute('data-seq'))),
    )
  ).reverse();

beforeAll(async () => {
  ensureDashboardBuilt();
  mkdirSync(ARTIFACTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'tminus-dashboard-'));
  store = SqliteStore.open(join(dir, 'tminus.db'));
  const now = Date.now();
  await store.createRun(RUN, warRoomRun(now + 20 * 60_000));
  tokens.alice = (await issueToken(store, { person: 'alice', role: 'person' }, now)).token;
  tokens.bob = (await issueToken(store, { person: 'bob', role: 'person' }, now)).token;
  tokens.frank = (await issueToken(store, { person: 'frank', role: 'viewer' }, now)).token;
  room = await serve();
  port = Number(new URL(room.url).port);
  chromium = await launchChromium();
}, 120_000);

afterAll(async () => {
  await chromium?.close();
  await room?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the war-room dashboard in headless Chromium', () => {
  let alice: Page;
  let bob: Page;

  it('refuses a wrong token at sign-in, saying why', async () => {
    const page = await (await chromium.browser.newContext()).newPage();
    await page.goto(`${room.url}/`);
    await page.fill('input[name=token]', 'tmn_0000000000_' + 'A'.repeat(43));
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('[role=alert]')).toContain('is not valid');
    await page.context().close();
  });

  it('signs in with a token and completes a manual task; another person sees it live', async () => {
    alice = await signIn('alice');
    bob = await signIn('bob');
    await shot(bob, '01-bob-signed-in');
    expect(await bob.textContent('[data-testid=signed-in]')).toContain('bob');
    expect(await bob.textContent('[data-testid="state-stop-jobs"]')).toContain('waiting');
    await bob.click('[data-action="complete-stop-jobs"]');
    await bob.waitForSelector('[data-testid="state-stop-jobs"]:has-text("succeeded")');
    await alice.waitForSelector('[data-testid="state-stop-jobs"]:has-text("succeeded")');
    await alice.waitForSelector('[data-testid=event-log] li:has-text("stop-jobs: completed by bob")');
  });

  it('votes at a gate, and the vote appears on another person’s screen without reload', async () => {
    await bob.click('[data-action="vote-go-go-no-go"]');
    await bob.waitForSelector('[data-gate="go-no-go"] .vote.go:has-text("bob")');
    await alice.waitForSelector('[data-gate="go-no-go"] .vote.go:has-text("bob")');
    expect(await bob.$('[data-action="vote-go-go-no-go"]')).toBeNull();
    await shot(alice, '02-alice-sees-bob-vote');
  });

  it('reconnects after the connection drops and loses no event, repeating none', async () => {
    const before = await loggedSeqs(alice);
    await room.close();
    await alice.waitForSelector('[data-testid=connection]:has-text("reconnecting")');
    // Written while the dashboard is cut off: another process appends to the store.
    const head = (await store.head(RUN))!.seq;
    await store.append(RUN, head, [
      { atMs: Date.now(), actor: 'system', data: { type: 'step.waiting', stepId: 'backup' } },
      {
        atMs: Date.now(),
        actor: 'carol',
        data: { type: 'step.completed', stepId: 'backup', reason: 'done offline' },
      },
    ]);
    room = await serve(port);
    await alice.waitForSelector('[data-testid=connection]:has-text("live")', { timeout: 20_000 });
    await alice.waitForSelector('[data-testid=event-log] li:has-text("backup: completed by carol")');
    const after = await loggedSeqs(alice);
    expect(after).toEqual(Array.from({ length: head + 2 }, (_, i) => i + 1));
    expect(after.slice(0, before.length)).toEqual(before);
    await shot(alice, '03-alice-after-reconnect');
  });

  it('lets a viewer see everything and change nothing', async () => {
    const frank = await signIn('frank');
    expect(await frank.textContent('[data-testid=signed-in]')).toContain('read-only');
    expect(await frank.$$('[data-action]')).toHaveLength(0);
    expect(await frank.textContent('[data-testid="state-backup"]')).toContain('succeeded');
    expect(await frank.textContent('[data-gate="go-no-go"]')).toContain('bob');
    const status = await frank.evaluate(async (token) => {
      const r = await fetch(`/api/runs/dash-run/tasks/switch/complete`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: '{}',
      });
      return r.status;
    }, tokens.frank);
    expect(status).toBe(403);
    await shot(frank, '04-viewer');
    const phone = await signIn('frank', { width: 390, height: 844 });
    await shot(phone, '05-viewer-phone');
    await frank.context().close();
    await phone.context().close();
  });

  it('triggers a rollback only after confirmation with a reason; everyone sees it', async () => {
    const head = (await store.head(RUN))!.seq;
    await alice.click('[data-action=rollback]');
    await alice.fill('dialog textarea[name=reason]', 'errors above 5% after the switch');
    expect(await alice.isDisabled('dialog button[type=submit]')).toBe(true);
    await shot(alice, '06-rollback-confirmation');
    await alice.click('dialog button[type=button]');
    expect((await store.head(RUN))!.seq).toBe(head);
    await alice.click('[data-action=rollback]');
    await alice.fill('dialog textarea[name=reason]', 'errors above 5% after the switch');
    await alice.fill('dialog input[name=confirm]', 'ROLLBACK');
    await alice.click('dialog button[type=submit]');
    await alice.waitForSelector('[data-testid=rollback-banner]:has-text("errors above 5%")');
    await bob.waitForSelector('[data-testid=rollback-banner]:has-text("ROLLBACK started by alice")');
    const [started] = await store.readEvents(RUN, head, 1);
    expect(started).toMatchObject({
      actor: 'alice',
      data: { type: 'rollback.started', reason: 'errors above 5% after the switch' },
    });
    await shot(bob, '07-bob-sees-rollback');
    await shot(alice, '08-projector');
  });
});
