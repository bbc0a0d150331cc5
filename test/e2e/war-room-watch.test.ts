import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewRunEvent } from '../../src/core/run/run-event.js';
import { issueToken } from '../../src/engine/access-tokens.js';
import { startWarRoom } from '../../src/server/war-room-server.js';
import type { WarRoom } from '../../src/server/war-room-server.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { launchChromium } from '../support/chromium.js';
import { ROOT } from '../support/cli.js';
import { ensureDashboardBuilt } from '../support/dashboard-build.js';
import { errorRateMeasured, goLiveRun } from '../server/war-room-plan.js';

/**
 * The go-live part of the dashboard in headless Chromium: monitor charts fed by the live stream, the
 * declare / decide / success buttons over the HTTP API, and the forecast on the timeline.
 */
const ARTIFACTS = join(ROOT, 'test-artifacts', 'war-room');
const RUN = 'watch-run';
const M = 60_000;

let dir: string;
let store: SqliteStore;
let room: WarRoom;
let chromium: { browser: Browser; close: () => Promise<void> };
let goLive: number;
const tokens = {} as Record<'alice' | 'frank', string>;
let alice: Page;
let frank: Page;

async function signIn(person: keyof typeof tokens): Promise<Page> {
  const page = await (
    await chromium.browser.newContext({ viewport: { width: 1440, height: 1100 } })
  ).newPage();
  await page.goto(`${room.url}/`);
  await page.fill('input[name=token]', tokens[person]);
  await page.click('button[type=submit]');
  await page.click(`a[data-run="${RUN}"]`);
  await page.waitForSelector('[data-testid=connection]:has-text("live")');
  return page;
}

/** Appends as another process would (the run's executor, another server). */
async function append(...events: NewRunEvent[]): Promise<void> {
  const head = (await store.head(RUN))!.seq;
  const r = await store.append(RUN, head, events);
  expect(r.ok).toBe(true);
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

const points = (page: Page) =>
  page.$$eval('[data-monitor-chart="error-rate"] circle', (cs) =>
    cs.map((c) => ({
      n: Number(c.getAttribute('data-n')),
      value: Number(c.getAttribute('data-value')),
      outcome: c.getAttribute('data-outcome'),
      cy: Number(c.getAttribute('cy')),
    })),
  );

const msOf = async (page: Page, testid: string) =>
  Number(await page.getAttribute(`[data-testid=${testid}]`, 'data-ms'));

beforeAll(async () => {
  ensureDashboardBuilt();
  mkdirSync(ARTIFACTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'tminus-watch-dashboard-'));
  store = SqliteStore.open(join(dir, 'tminus.db'));
  const now = Date.now();
  goLive = now - 26 * M;
  const [started] = goLiveRun(goLive);
  // Switched at T-0, done 15 minutes late at T+25m; the smoke test (20m) runs since.
  await store.createRun(RUN, [
    started!,
    { atMs: goLive, actor: 'system', data: { type: 'step.waiting', stepId: 'switch-traffic' } },
    errorRateMeasured(1, 0.01, goLive + 1 * M),
    errorRateMeasured(2, 0.02, goLive + 2 * M),
    errorRateMeasured(3, 0.03, goLive + 3 * M),
    {
      atMs: goLive + 25 * M,
      actor: 'bob',
      data: { type: 'step.completed', stepId: 'switch-traffic', reason: 'DNS slow' },
    },
    { atMs: goLive + 25 * M, actor: 'system', data: { type: 'step.waiting', stepId: 'smoke' } },
  ]);
  tokens.alice = (await issueToken(store, { person: 'alice', role: 'person' }, now)).token;
  tokens.frank = (await issueToken(store, { person: 'frank', role: 'viewer' }, now)).token;
  room = await startWarRoom({ store, port: 0, bind: '127.0.0.1', pollMs: 100 });
  chromium = await launchChromium();
  alice = await signIn('alice');
  frank = await signIn('frank');
}, 120_000);

afterAll(async () => {
  await chromium?.close();
  await room?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the go-live watch on the dashboard', () => {
  it('charts each recorded measurement against the fail threshold', async () => {
    await alice.waitForSelector('[data-monitor-chart="error-rate"]');
    expect(await points(alice)).toEqual([
      expect.objectContaining({ n: 1, value: 0.01, outcome: 'successful' }),
      expect.objectContaining({ n: 2, value: 0.02, outcome: 'successful' }),
      expect.objectContaining({ n: 3, value: 0.03, outcome: 'successful' }),
    ]);
    expect(
      await alice.getAttribute('[data-monitor-chart="error-rate"] [data-threshold=fail]', 'data-value'),
    ).toBe('0.05');
    expect(await alice.textContent('[data-monitor="error-rate"]')).toContain('fails when result > 0.05');
  });

  it('adds a measurement as it streams in: above the threshold line, marked failed', async () => {
    await append(errorRateMeasured(4, 0.09, goLive + 4 * M));
    await expect.poll(async () => (await points(frank)).length, { timeout: 15_000 }).toBe(4);
    const [, , third, fourth] = await points(frank);
    expect(fourth).toMatchObject({ n: 4, value: 0.09, outcome: 'failed' });
    const limitY = Number(await frank.getAttribute('[data-threshold=fail] line', 'y1'));
    expect(fourth!.cy).toBeLessThan(limitY); // SVG y grows downwards: above the line
    expect(third!.cy).toBeGreaterThan(limitY);
    await shot(frank, '10-monitor-chart');
  });

  it('lets a lead declare a manual criterion from the dashboard, with a reason', async () => {
    const before = (await store.head(RUN))!.seq;
    await alice.click('[data-action="declare-security"]');
    expect(await alice.isDisabled('dialog button[type=submit]')).toBe(true);
    await alice.fill('dialog textarea[name=reason]', 'pen-test found the admin page open');
    await alice.click('dialog button[type=submit]');
    await alice.waitForSelector('[data-testid="criterion-security"]:has-text("declared by alice")');
    await frank.waitForSelector('[data-testid="criterion-security"]:has-text("pen-test found")');
    const [declared] = await store.readEvents(RUN, before);
    expect(declared).toMatchObject({
      actor: 'alice',
      data: { type: 'criterion.declared', criterionId: 'security', origin: { via: 'api' } },
    });
    expect(await alice.$('[data-action="declare-security"]')).toBeNull();
  });

  it('answers a fired criterion’s decision from the dashboard; a viewer sees it and has no buttons', async () => {
    await append({
      atMs: Date.now(),
      actor: 'system',
      data: { type: 'criterion.fired', criterionId: 'errors', detail: "monitor 'error-rate' is failed" },
    });
    await alice.waitForSelector('[data-action="continue-errors"]');
    expect(await alice.isDisabled('[data-action="declare-success"]')).toBe(true);
    expect(await frank.$$('[aria-label="go-live watch"] [data-action]')).toHaveLength(0);
    await shot(alice, '11-decision-asked');
    await alice.click('[data-action="continue-errors"]');
    await alice.fill('dialog textarea[name=reason]', 'one tenant only, fixed forward');
    await alice.click('dialog button[type=submit]');
    await frank.waitForSelector('[data-testid="criterion-errors"]:has-text("decided: continue by alice")');
    const made = (await store.readEvents(RUN)).find((e) => e.data.type === 'decision.made');
    expect(made).toMatchObject({ actor: 'alice', data: { decision: 'continue', basis: 'person' } });
  });

  it('declares success with a reason while the monitor still measures; everyone sees the banner', async () => {
    await alice.click('[data-action="declare-success"]');
    await alice.fill('dialog textarea[name=reason]', 'business signed off');
    await alice.click('dialog button[type=submit]');
    await frank.waitForSelector('[data-testid=success-banner]:has-text("SUCCESS declared by alice")');
    expect(await alice.$('[data-action="declare-success"]')).toBeNull();
    await shot(frank, '12-success');
  });

  it('draws the forecast on the timeline: planned end, forecast end moved by a late task, live', async () => {
    await alice.waitForSelector('[data-testid=forecast-end]');
    expect(await msOf(alice, 'planned-end')).toBe(30 * M); // 10m switch + 20m smoke from T-0
    const forecast = await msOf(alice, 'forecast-end');
    // Switch done at T+25m, the smoke test (20m, 0.8-1.4x) runs since: the end moved past T+41m.
    expect(forecast).toBeGreaterThan(41 * M);
    expect(forecast).toBeLessThan(25 * M + 28 * M + M);
    expect(await alice.textContent('[data-testid=forecast-end]')).toMatch(/forecast end T\+4\dm/);
    expect(await alice.$('[data-forecast="smoke"]')).not.toBeNull();
    expect(await alice.$('[data-forecast="switch-traffic"]')).toBeNull();
    await shot(alice, '13-forecast');
    // The smoke test finishes now: the forecast end becomes the real end, on every screen without reload.
    const doneAt = Date.now();
    await append({ atMs: doneAt, actor: 'bob', data: { type: 'step.completed', stepId: 'smoke' } });
    await expect.poll(() => msOf(frank, 'forecast-end'), { timeout: 15_000 }).toBe(doneAt - goLive);
    expect(await frank.$('[data-forecast="smoke"]')).toBeNull();
  });
});
