import { createTransport } from 'nodemailer';
import { redactUrl } from '../../core/secrets/redact-url.js';
import { TminusError } from '../../core/tminus-error.js';
import type { ActionContext } from '../../engine/action.js';
import { withDeadline } from '../action-deadline.js';
import { describeNetworkError } from '../shared/network/describe-network-error.js';
import { isTlsErrorCode, tlsProblemWords } from '../shared/network/describe-tls-error.js';

export interface EmailDelivery {
  readonly label: string;
  readonly smtpUrl: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly timeoutMs: number;
  /** PEM text of a CA to trust for the server's certificate. */
  readonly ca?: string;
  readonly requireTls: boolean;
}

interface SmtpFailure {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  rejected?: string[];
  rejectedErrors?: { response?: string; recipient?: string }[];
  message?: string;
}

function smtpHost(url: string): string {
  try {
    const u = new URL(url);
    return u.host;
  } catch {
    return '(invalid SMTP URL)';
  }
}

/** The SMTP dialogue's failure in words: who was refused, at which command, with the server's reply. */
function describeSmtpError(ctx: ActionContext, label: string, host: string, error: unknown): TminusError {
  const e = error as SmtpFailure;
  if (e.rejected?.length) {
    const replies = (e.rejectedErrors ?? []).map((r) => r.response).filter(Boolean);
    return new TminusError(
      'NOTIFY_FAILED',
      ctx.redact(
        `${label}: ${host} refused recipient ${e.rejected.join(', ')}: ${replies.join('; ') || e.response || e.message}`,
      ),
      { cause: error, hint: 'check the address, or that this SMTP server relays for its domain' },
    );
  }
  if (e.responseCode) {
    return new TminusError(
      'NOTIFY_FAILED',
      ctx.redact(
        redactUrl(
          `${label}: ${host} answered ${e.command ? `${e.command} with ` : ''}${e.response ?? e.message}`,
        ),
      ),
      { cause: error, hint: e.code === 'EAUTH' ? 'check the SMTP user and password' : undefined },
    );
  }
  const originalCode = (error as { originalCode?: string }).originalCode;
  if (isTlsErrorCode(originalCode)) {
    return new TminusError(
      'NOTIFY_FAILED',
      `${label}: ${host}: ${tlsProblemWords(originalCode)} [${originalCode}]`,
      {
        cause: error,
        hint: "give the channel `ca:` with the PEM of the CA that signed the SMTP server's certificate",
      },
    );
  }
  const networkCode = (error as { errno?: unknown; code?: string }).code;
  if (networkCode === 'ECONNECTION' || networkCode === 'ESOCKET' || networkCode === 'ETIMEDOUT') {
    // nodemailer wraps socket errors as ESOCKET and keeps the system code as `originalCode`.
    const inner = describeNetworkError(
      originalCode ? { code: originalCode, message: e.message } : error,
      host,
    );
    return new TminusError('NOTIFY_FAILED', ctx.redact(`${label}: ${inner.message}`), { cause: error });
  }
  return new TminusError('NOTIFY_FAILED', ctx.redact(redactUrl(`${label}: ${e.message ?? String(error)}`)), {
    cause: error,
  });
}

/**
 * Sends one e-mail over SMTP (nodemailer). The Message-ID is derived from the step's idempotency key, so a
 * resent announcement can be recognised as the same message by mail systems and people.
 */
export async function sendEmail(ctx: ActionContext, d: EmailDelivery): Promise<string> {
  const host = smtpHost(d.smtpUrl);
  if (!/^smtps?:\/\//.test(d.smtpUrl)) {
    throw new TminusError('INVALID_PARAMS', `${d.label}: the SMTP URL must start with smtp:// or smtps://`);
  }
  const transport = createTransport({
    url: d.smtpUrl,
    connectionTimeout: d.timeoutMs,
    greetingTimeout: d.timeoutMs,
    socketTimeout: d.timeoutMs,
    requireTLS: d.requireTls,
    tls: d.ca === undefined ? {} : { ca: d.ca },
  });
  try {
    const info = await withDeadline(ctx, d.timeoutMs, `${d.label} via ${host}`, async (signal) => {
      signal.addEventListener('abort', () => transport.close(), { once: true });
      try {
        return await transport.sendMail({
          from: d.from,
          to: [...d.to],
          subject: d.subject,
          text: d.text,
          messageId: `<${ctx.idempotencyKey.replace(/[^\w.-]/g, '.')}@tminus>`,
          headers: { 'X-Tminus-Run': ctx.run.runId, 'X-Tminus-Step': ctx.run.stepId },
        });
      } catch (error) {
        if (signal.aborted) throw signal.reason as Error;
        throw describeSmtpError(ctx, d.label, host, error);
      }
    });
    if (info.rejected.length > 0) {
      throw new TminusError(
        'NOTIFY_FAILED',
        ctx.redact(
          `${d.label}: ${host} refused recipient ${info.rejected.map(String).join(', ')} (sent to ${info.accepted.map(String).join(', ')})`,
        ),
      );
    }
    return `e-mail to ${d.to.join(', ')} via ${host} (${(info.response ?? '').slice(0, 60)})`;
  } finally {
    transport.close();
  }
}
