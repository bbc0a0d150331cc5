import { readFile } from 'node:fs/promises';
import { TminusError, coerceError } from '../../core/tminus-error.js';
import type { ActionContext, ActionDefinition, PlannedChange } from '../../engine/action.js';
import { commsTarget, type CommsDecision } from './comms-target.js';
import { appendAnnouncement } from './file-channel.js';
import { renderNotifyMessage, renderOrThrow, type NotifyMessage } from './notify-message.js';
import { notifyParams, type NotifyChannel, type NotifyParams } from './notify-params.js';
import { postJson, publicPart } from './post-json.js';
import { genericPayload, slackPayload, teamsPayload } from './webhook-payloads.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhook } from './webhook-signature.js';

async function readCaFile(path: string, label: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new TminusError('INVALID_PARAMS', `${label}: cannot read the CA file '${path}'`, { cause: error });
  }
}

/** What happened on one channel. */
interface ChannelOutcome {
  readonly channel: string;
  readonly type: NotifyChannel['type'];
  readonly status: 'sent' | 'skipped' | 'failed';
  readonly detail: string;
}

/** Where a channel would deliver: a URL, an SMTP server with recipients, or a local record. */
type Target =
  | { readonly url: string }
  | { readonly smtp: string; readonly to: readonly string[] }
  | { readonly local: string };

const labelOf = (c: NotifyChannel) => c.name ?? c.type;

function fromConnection(ctx: ActionContext, name: string | undefined): { url?: string; testUrl?: string } {
  if (name === undefined) return {};
  const c = ctx.connection(name);
  const testUrl = c.options.testUrl;
  return { url: c.url, ...(typeof testUrl === 'string' ? { testUrl } : {}) };
}

/** Applies the comms mode to a channel. */
function decide(ctx: ActionContext, c: NotifyChannel): CommsDecision<Target> {
  const mode = ctx.run.comms;
  switch (c.type) {
    case 'log':
      return commsTarget<Target>(mode, { local: 'run log' }, undefined, true);
    case 'file':
      return commsTarget<Target>(mode, { local: c.path }, undefined, true);
    case 'email': {
      const smtp = c.smtp ?? fromConnection(ctx, c.connection).url ?? '';
      return commsTarget<Target>(mode, { smtp, to: c.to }, c.testTo ? { smtp, to: c.testTo } : undefined);
    }
    default: {
      const conn = fromConnection(ctx, c.connection);
      const live = c.url ?? conn.url;
      const test = c.testUrl ?? conn.testUrl;
      return commsTarget<Target>(mode, live ? { url: live } : undefined, test ? { url: test } : undefined);
    }
  }
}

function describeTarget(target: Target): string {
  if ('url' in target) return publicPart(target.url);
  if ('smtp' in target) return `${target.to.join(', ')}`;
  return target.local;
}

async function deliver(
  ctx: ActionContext,
  p: NotifyParams,
  c: NotifyChannel,
  target: Target,
  m: NotifyMessage,
) {
  const label = labelOf(c);
  const idempotency = { 'idempotency-key': ctx.idempotencyKey };
  if (c.type === 'log') {
    ctx.logger.info(`notify: ${m.title}`, { message: m.message, plan: m.view.run.planName });
    return 'written to the run log';
  }
  if (c.type === 'file') return appendAnnouncement(c.path, m, c.format);
  if (c.type === 'email' && 'smtp' in target) {
    const subject = c.subject === undefined ? m.title : renderOrThrow(c.subject, m.view, 'subject');
    const ca = c.ca === undefined ? undefined : await readCaFile(c.ca, label);
    // The mail library loads only when a message goes out by email.
    const { sendEmail } = await import('./email-channel.js');
    return sendEmail(ctx, {
      ca,
      requireTls: c.requireTls,
      label,
      smtpUrl: target.smtp,
      from: c.from,
      to: target.to,
      subject,
      text: m.message || m.title,
      timeoutMs: p.timeout,
    });
  }
  if (!('url' in target)) throw new TminusError('INTERNAL', `${label}: no URL to deliver to`);
  if (c.type === 'slack') {
    await postJson(ctx, label, target.url, JSON.stringify(slackPayload(m)), idempotency, p.timeout);
  } else if (c.type === 'teams') {
    await postJson(ctx, label, target.url, JSON.stringify(teamsPayload(m, c.format)), idempotency, p.timeout);
  } else if (c.type === 'webhook') {
    const body = JSON.stringify(genericPayload(m, ctx.idempotencyKey));
    const headers: Record<string, string> = { ...c.headers, ...idempotency };
    if (c.secret !== undefined) {
      const timestamp = Math.floor(ctx.clock.now() / 1000);
      headers[TIMESTAMP_HEADER] = String(timestamp);
      headers[SIGNATURE_HEADER] = signWebhook(c.secret, timestamp, body);
    }
    await postJson(ctx, label, target.url, body, headers, p.timeout);
  }
  return `posted to ${publicPart(target.url)}`;
}

/**
 * `notify`: announces to Slack, Teams, a signed generic webhook, e-mail, a file or the run log, with message
 * templates, honouring the run's comms mode (off / test / on). Not idempotent: a retry sends again (generic
 * webhooks get an `Idempotency-Key` header so receivers can drop duplicates).
 */
export const notifyAction: ActionDefinition<NotifyParams> = {
  type: 'notify',
  description:
    'Announce to Slack, Teams, a signed webhook, e-mail, a file or the log; comms off/test/on honoured',
  params: notifyParams,
  idempotent: false,

  plan(ctx, p) {
    const m = renderNotifyMessage(ctx, p);
    const changes: PlannedChange[] = p.channels.map((c) => {
      const d = decide(ctx, c);
      return {
        target: `${labelOf(c)}${d.send ? ` ${describeTarget(d.target)}` : ''}`,
        note: d.send ? `would send "${ctx.redact(m.title)}"` : `not sent: ${d.reason}`,
      };
    });
    const sending = changes.filter((c) => c.note?.startsWith('would')).length;
    return Promise.resolve({
      summary: `would send "${ctx.redact(m.title)}" on ${sending} of ${p.channels.length} channel(s) (comms ${ctx.run.comms})`,
      changes,
    });
  },

  async execute(ctx, p) {
    const m = renderNotifyMessage(ctx, p);
    const outcomes: ChannelOutcome[] = [];
    const hints: string[] = [];
    for (const c of p.channels) {
      const d = decide(ctx, c);
      if (!d.send) {
        outcomes.push({ channel: labelOf(c), type: c.type, status: 'skipped', detail: d.reason });
        continue;
      }
      try {
        const detail = await deliver(ctx, p, c, d.target, m);
        outcomes.push({ channel: labelOf(c), type: c.type, status: 'sent', detail: ctx.redact(detail) });
      } catch (error) {
        const e = coerceError(error);
        if (e.code === 'ABORTED' || e.code === 'INVALID_PARAMS') throw e;
        outcomes.push({ channel: labelOf(c), type: c.type, status: 'failed', detail: ctx.redact(e.message) });
        if (e.hint) hints.push(e.hint);
        ctx.logger.error(`notify: ${labelOf(c)} failed`, { error: ctx.redact(e.message) });
      }
    }
    const sent = outcomes.filter((o) => o.status === 'sent');
    const failed = outcomes.filter((o) => o.status === 'failed');
    const skipped = outcomes.filter((o) => o.status === 'skipped');
    if (failed.length > 0) {
      throw new TminusError(
        'NOTIFY_FAILED',
        `notify "${ctx.redact(m.title)}": ${failed.map((f) => f.detail).join('; ')}${sent.length ? ` (already sent: ${sent.map((s) => s.channel).join(', ')})` : ''}`,
        {
          hint:
            [
              ...hints,
              ...(sent.length
                ? ['a retry sends again on every channel, including those that already succeeded']
                : []),
            ].join('; ') || undefined,
        },
      );
    }
    const parts = [
      sent.length ? `sent on ${sent.map((s) => s.channel).join(', ')}` : 'nothing sent',
      skipped.length
        ? `skipped ${skipped.map((s) => s.channel).join(', ')} (${[...new Set(skipped.map((s) => s.detail))].join('; ')})`
        : '',
    ].filter((s) => s !== '');
    return {
      summary: ctx.redact(`notify "${m.title}" [comms ${ctx.run.comms}]: ${parts.join('; ')}`),
      output: {
        title: ctx.redact(m.title),
        message: ctx.redact(m.message),
        comms: ctx.run.comms,
        channels: outcomes,
      },
      value: sent.length,
    };
  },
};
