import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { actionFailure, testActionContext } from '../../../test/support/action-context.js';
import { freePort } from '../../../test/support/free-port.js';
import { issueTestCertificate } from '../../../test/support/test-certificates.js';
import { writeFileSync } from 'node:fs';
import { notifyAction } from './notify-action.js';
import { notifyParams } from './notify-params.js';
import { verifyWebhookSignature } from './webhook-signature.js';

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly raw: string;
  readonly json: Record<string, unknown>;
}
interface Mail {
  readonly from: string;
  readonly to: string[];
  readonly raw: string;
}

const SECRET = 'whsec-3b9c2e17';
const HOOK_TOKEN = 'T0KEN-b71f0a';
const SMTP_PASSWORD = 'smtp-pw-55e1';
let received: Received[] = [];
let mails: Mail[] = [];
let base = '';
let smtpUrl = '';
let dir = '';

const receiver: Server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks).toString();
    const path = req.url ?? '/';
    if (path.startsWith('/hang')) return;
    received.push({
      path,
      headers: req.headers,
      raw,
      json: JSON.parse(raw || '{}') as Record<string, unknown>,
    });
    if (path.startsWith('/fail')) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('boom: database is locked');
    } else {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    }
  });
});

const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onAuth(auth, _session, callback) {
    if (auth.password === SMTP_PASSWORD) callback(null, { user: auth.username });
    else callback(new Error('535 5.7.8 Authentication credentials invalid'));
  },
  onRcptTo(address, _session, callback) {
    if (address.address.startsWith('blocked')) {
      const error = Object.assign(
        new Error('5.1.1 <' + address.address + '>: Recipient address rejected: user unknown'),
        {
          responseCode: 550,
        },
      );
      return callback(error);
    }
    callback();
  },
  onData(stream, session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      mails.push({
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        to: session.envelope.rcptTo.map((r) => r.address),
        raw: Buffer.concat(chunks).toString(),
      });
      callback();
    });
  },
});

let tlsSmtp: SMTPServer | undefined;
let tlsSmtpUrl = '';
let caFile = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;
  const smtpPort = await freePort();
  await new Promise<void>((resolve) => smtp.listen(smtpPort, '127.0.0.1', () => resolve()));
  smtpUrl = `smtp://ops:${SMTP_PASSWORD}@127.0.0.1:${smtpPort}`;
  dir = mkdtempSync(join(tmpdir(), 'tminus-notify-'));
  // A relay that offers STARTTLS with a certificate from a private CA, as internal mail relays do.
  const ca = issueTestCertificate({ commonName: 'tminus Mail CA', isCa: true });
  const leaf = issueTestCertificate({
    commonName: 'localhost',
    altNames: ['localhost', '127.0.0.1'],
    issuer: ca,
  });
  caFile = join(dir, 'mail-ca.pem');
  writeFileSync(caFile, ca.certPem);
  tlsSmtp = new SMTPServer({
    authOptional: true,
    logger: false,
    key: leaf.keyPem,
    cert: leaf.certPem,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: `secure=${String(session.secure)}\n${Buffer.concat(chunks).toString()}`,
        });
        callback();
      });
    },
  });
  const tlsPort = await freePort();
  await new Promise<void>((resolve) => tlsSmtp!.listen(tlsPort, '127.0.0.1', () => resolve()));
  tlsSmtpUrl = `smtp://127.0.0.1:${tlsPort}`;
});
afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  if (tlsSmtp) await new Promise<void>((resolve) => tlsSmtp!.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  received = [];
  mails = [];
});

const ctxWith = (comms: 'off' | 'test' | 'on', mode: 'rehearsal' | 'live' = 'live') =>
  testActionContext({
    run: { comms, mode, stepTitle: 'Announce maintenance start' },
    idempotencyKey: 'run-42:announce:1',
    secrets: [SECRET, HOOK_TOKEN, SMTP_PASSWORD],
  });
const notify = (ctx: ReturnType<typeof ctxWith>, input: Record<string, unknown>) =>
  notifyAction.execute(ctx, notifyParams.parse(input));
const announcement = {
  title: '{{run.planTitle}}: maintenance starts',
  message: 'Step "{{step.title}}" ({{run.mode}}), T-0 at {{run.goLive}}. Contact {{vars.contact}}.',
  vars: { contact: 'the war room' },
};

describe('notify', () => {
  it('posts the documented Slack, Teams and signed webhook payloads when comms are on', async () => {
    const file = join(dir, 'on.log');
    const ctx = ctxWith('on');
    const result = await notify(ctx, {
      ...announcement,
      channels: [
        { type: 'slack', url: `${base}/slack/${HOOK_TOKEN}`, testUrl: `${base}/slack-test` },
        { type: 'teams', url: `${base}/teams` },
        {
          type: 'webhook',
          name: 'status-page',
          url: `${base}/hook`,
          secret: SECRET,
          headers: { 'x-team': 'shop' },
        },
        { type: 'file', path: file },
        { type: 'log' },
      ],
    });
    expect(result.summary).toBe(
      'notify "Shop web application — move to the cloud: maintenance starts" [comms on]: sent on slack, teams, status-page, file, log',
    );
    expect(received.map((r) => r.path)).toEqual([`/slack/${HOOK_TOKEN}`, '/teams', '/hook']);
    const [slack, teams, hook] = received;
    const text =
      'Step "Announce maintenance start" (live), T-0 at 2026-12-05T02:00:00.000Z. Contact the war room.';
    expect(slack!.json).toMatchObject({
      text: `Shop web application — move to the cloud: maintenance starts\n${text}`,
      blocks: [
        {
          type: 'header',
          text: { type: 'plain_text', text: 'Shop web application — move to the cloud: maintenance starts' },
        },
        { type: 'section', text: { type: 'mrkdwn', text } },
        { type: 'context' },
      ],
    });
    expect(teams!.json).toMatchObject({
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          content: { type: 'AdaptiveCard', version: '1.4' },
        },
      ],
    });
    expect(JSON.stringify(teams!.json)).toContain(text.replace(/"/g, '\\"'));
    expect(hook!.json).toMatchObject({
      event: 'tminus.notify',
      id: 'run-42:announce:1',
      message: text,
      run: { mode: 'live', comms: 'on' },
    });
    expect(hook!.headers['idempotency-key']).toBe('run-42:announce:1');
    expect(hook!.headers['x-team']).toBe('shop');
    const ts = hook!.headers['x-tminus-timestamp'] as string;
    const sig = hook!.headers['x-tminus-signature'] as string;
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(SECRET, ts, sig, hook!.raw, Date.now())).toBe(true);
    expect(verifyWebhookSignature(SECRET, ts, sig, hook!.raw.replace('live', 'lime'), Date.now())).toBe(
      false,
    );
    expect(verifyWebhookSignature('other-secret', ts, sig, hook!.raw, Date.now())).toBe(false);
    expect(verifyWebhookSignature(SECRET, ts, sig, hook!.raw, Date.now() + 3_600_000)).toBe(false);
    expect(readFileSync(file, 'utf8')).toMatch(
      /^\S+Z \[live\/comms on\] shop-to-cloud — Shop web application — move to the cloud: maintenance starts: Step/,
    );
    expect(
      ctx.lines.some(
        (l) => l.message === 'notify: Shop web application — move to the cloud: maintenance starts',
      ),
    ).toBe(true);
    expect(JSON.stringify(result) + ctx.logText()).not.toMatch(new RegExp(`${HOOK_TOKEN}|${SECRET}`));
  });

  it('sends only to test targets when comms go to the test channel', async () => {
    const result = await notify(ctxWith('test', 'rehearsal'), {
      ...announcement,
      channels: [
        { type: 'slack', url: `${base}/slack-live`, testUrl: `${base}/slack-test` },
        { type: 'teams', url: `${base}/teams-live` },
        {
          type: 'email',
          smtp: smtpUrl,
          from: 'cutover@shop.test',
          to: ['all-staff@shop.test'],
          testTo: ['lead@shop.test'],
        },
      ],
    });
    expect(received.map((r) => r.path)).toEqual(['/slack-test']);
    expect(mails.map((m) => m.to)).toEqual([['lead@shop.test']]);
    expect(result.summary).toContain(
      'sent on slack, email; skipped teams (comms go to test targets in this run and this channel has none)',
    );
  });

  it('sends nothing when comms are off and says so, still writing local records', async () => {
    const file = join(dir, 'off.log');
    const result = await notify(ctxWith('off'), {
      ...announcement,
      channels: [
        { type: 'slack', url: `${base}/slack-live`, testUrl: `${base}/slack-test` },
        {
          type: 'email',
          smtp: smtpUrl,
          from: 'cutover@shop.test',
          to: ['all-staff@shop.test'],
          testTo: ['lead@shop.test'],
        },
        { type: 'file', path: file },
      ],
    });
    expect(received).toEqual([]);
    expect(mails).toEqual([]);
    expect(result.summary).toContain(
      '[comms off]: sent on file; skipped slack, email (comms are off for this run)',
    );
    expect(readFileSync(file, 'utf8')).toContain('[live/comms off]');
    const none = await notify(ctxWith('off'), {
      title: 'x',
      channels: [{ type: 'slack', url: `${base}/s` }],
    });
    expect(none.summary).toBe(
      'notify "x" [comms off]: nothing sent; skipped slack (comms are off for this run)',
    );
    expect(none.value).toBe(0);
  });

  it('sends the legacy MessageCard to Teams when asked', async () => {
    await notify(ctxWith('on'), {
      title: 'Go-live',
      message: 'done',
      channels: [{ type: 'teams', url: `${base}/t`, format: 'messagecard' }],
    });
    expect(received[0]!.json).toEqual({
      '@type': 'MessageCard',
      '@context': 'https://schema.org/extensions',
      summary: 'Go-live',
      themeColor: 'D13438',
      title: 'Go-live',
      text: 'done',
    });
  });

  it('refuses unknown template names before sending anything', async () => {
    const error = await actionFailure(
      notify(ctxWith('on'), {
        title: '{{run.planTtle}} starts',
        message: '{{vars.nope}}',
        channels: [{ type: 'slack', url: `${base}/s` }],
      }),
    );
    expect(error.code).toBe('INVALID_PARAMS');
    expect(error.message).toBe('notify title: unknown template name {{run.planTtle}}');
    expect(received).toEqual([]);
  });

  it('fails with the receiver status and body when a webhook answers 500, naming what was already sent', async () => {
    const error = await actionFailure(
      notify(ctxWith('on'), {
        title: 'Rollback started',
        channels: [
          { type: 'slack', url: `${base}/ok` },
          { type: 'webhook', url: `${base}/fail/${HOOK_TOKEN}` },
        ],
      }),
    );
    expect(error.code).toBe('NOTIFY_FAILED');
    expect(error.message).toBe(
      `notify "Rollback started": webhook → ${base}/…: the receiver answered 500 Internal Server Error: boom: database is locked (already sent: slack)`,
    );
    expect(error.hint).toContain('a retry sends again');
  });

  it('refuses a malformed webhook URL without showing any of it', async () => {
    const error = await actionFailure(
      notify(ctxWith('on'), {
        title: 't',
        channels: [{ type: 'slack', url: `hooks.example.com/services/${HOOK_TOKEN}x` }],
      }),
    );
    expect(error.code).toBe('INVALID_PARAMS');
    expect(error.message).toBe('slack: the webhook URL is not a valid URL');
    expect(error.cause).toBeUndefined();
    expect(received).toEqual([]);
  });

  it('names an unreachable receiver and a receiver that does not answer in time', async () => {
    const port = await freePort();
    const refused = await actionFailure(
      notify(ctxWith('on'), { title: 't', channels: [{ type: 'slack', url: `http://127.0.0.1:${port}/x` }] }),
    );
    expect(refused.message).toContain(`slack: connection refused by 127.0.0.1:${port}`);
    const slow = await actionFailure(
      notify(ctxWith('on'), { title: 't', timeout: 200, channels: [{ type: 'teams', url: `${base}/hang` }] }),
    );
    expect(slow.message).toContain(`teams → ${base}/…: no answer within 200ms`);
  });

  it('e-mails the recipients over SMTP with subject, body and a Message-ID from the idempotency key', async () => {
    const result = await notify(ctxWith('on'), {
      ...announcement,
      channels: [
        {
          type: 'email',
          smtp: smtpUrl,
          from: 'cutover@shop.test',
          to: ['ops@shop.test', 'support@shop.test'],
          subject: '[{{run.mode}}] {{run.planName}} maintenance',
        },
      ],
    });
    expect(mails).toHaveLength(1);
    expect(mails[0]!.from).toBe('cutover@shop.test');
    expect(mails[0]!.to).toEqual(['ops@shop.test', 'support@shop.test']);
    expect(mails[0]!.raw).toContain('Subject: [live] shop-to-cloud maintenance');
    expect(mails[0]!.raw).toContain('Contact the war room.');
    expect(mails[0]!.raw).toContain('Message-ID: <run-42.announce.1@tminus>');
    expect(result.summary).not.toContain(SMTP_PASSWORD);
  });

  it('fails clearly when the SMTP server rejects a recipient with 550', async () => {
    const error = await actionFailure(
      notify(ctxWith('on'), {
        title: 't',
        channels: [{ type: 'email', smtp: smtpUrl, from: 'cutover@shop.test', to: ['blocked@shop.test'] }],
      }),
    );
    expect(error.code).toBe('NOTIFY_FAILED');
    expect(error.message).toMatch(
      /email: 127\.0\.0\.1:\d+ refused recipient blocked@shop\.test: 550 5\.1\.1 <blocked@shop\.test>: Recipient address rejected/,
    );
    expect(error.message).not.toContain(SMTP_PASSWORD);
  });

  it('names a wrong SMTP password and an unreachable SMTP server without printing the password', async () => {
    const wrong = smtpUrl.replace(SMTP_PASSWORD, 'not-the-password');
    const auth = await actionFailure(
      notify(testActionContext({ run: { comms: 'on' }, secrets: ['not-the-password'] }), {
        title: 't',
        channels: [{ type: 'email', smtp: wrong, from: 'a@shop.test', to: ['b@shop.test'] }],
      }),
    );
    expect(auth.message).toMatch(/535/);
    expect(auth.message).not.toContain('not-the-password');
    const port = await freePort();
    const down = await actionFailure(
      notify(ctxWith('on'), {
        title: 't',
        channels: [
          {
            type: 'email',
            smtp: `smtp://ops:${SMTP_PASSWORD}@127.0.0.1:${port}`,
            from: 'a@shop.test',
            to: ['b@shop.test'],
          },
        ],
      }),
    );
    expect(down.message).toContain(`connection refused by 127.0.0.1:${port}`);
    expect(down.message).not.toContain(SMTP_PASSWORD);
  });

  it('upgrades to TLS with STARTTLS, trusting a private CA given as ca:', async () => {
    const channel = {
      type: 'email',
      smtp: tlsSmtpUrl,
      from: 'a@shop.test',
      to: ['b@shop.test'],
      requireTls: true,
    };
    await notify(ctxWith('on'), { title: 'over TLS', channels: [{ ...channel, ca: caFile }] });
    expect(mails).toHaveLength(1);
    expect(mails[0]!.raw).toMatch(/^secure=true\n/);
    const untrusted = await actionFailure(notify(ctxWith('on'), { title: 't', channels: [channel] }));
    expect(untrusted.message).toMatch(
      /email: 127\.0\.0\.1:\d+: the certificate is signed by an unknown authority/,
    );
    expect(untrusted.hint).toContain('ca:');
    expect(mails).toHaveLength(1);
    const noTls = await actionFailure(
      notify(ctxWith('on'), { title: 't', channels: [{ ...channel, smtp: smtpUrl, requireTls: true }] }),
    );
    expect(noTls.message).toMatch(/STARTTLS|TLS/);
    expect(mails).toHaveLength(1);
  });

  it('resolves a webhook from a named connection, test URL included', async () => {
    const ctx = testActionContext({
      run: { comms: 'test' },
      connections: {
        hooks: { kind: 'webhook', url: `${base}/conn-live`, options: { testUrl: `${base}/conn-test` } },
      },
    });
    await notify(ctx, { title: 't', channels: [{ type: 'webhook', connection: 'hooks' }] });
    expect(received.map((r) => r.path)).toEqual(['/conn-test']);
  });

  it('plans what it would send per channel without sending', async () => {
    const plan = await notifyAction.plan!(
      ctxWith('test'),
      notifyParams.parse({
        ...announcement,
        channels: [
          { type: 'slack', url: `${base}/live/${HOOK_TOKEN}`, testUrl: `${base}/test/${HOOK_TOKEN}` },
          { type: 'email', smtp: smtpUrl, from: 'a@shop.test', to: ['all@shop.test'] },
        ],
      }),
    );
    expect(plan.summary).toBe(
      'would send "Shop web application — move to the cloud: maintenance starts" on 1 of 2 channel(s) (comms test)',
    );
    expect(plan.changes).toEqual([
      {
        target: `slack ${base}/…`,
        note: 'would send "Shop web application — move to the cloud: maintenance starts"',
      },
      { target: 'email', note: 'not sent: comms go to test targets in this run and this channel has none' },
    ]);
    expect(received).toEqual([]);
    expect(existsSync(join(dir, 'never.log'))).toBe(false);
  });

  it('rejects bad parameters, each with its path', () => {
    const result = notifyParams.safeParse({
      title: '',
      channels: [
        { type: 'pager', url: 'x' },
        { type: 'slack' },
        { type: 'email', smtp: 'smtp://x', from: 'a@b', to: [] },
        { type: 'file' },
      ],
      timeout: 'forever',
    });
    const issues = result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^title: /),
        expect.stringMatching(/^channels\.0\.type: /),
        'channels.1: give url (or connection) for the live target',
        expect.stringMatching(/^channels\.2\.to: /),
        expect.stringMatching(/^channels\.3\.path: /),
        expect.stringMatching(/^timeout: expected a duration/),
      ]),
    );
  });
});
