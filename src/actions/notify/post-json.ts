import { TminusError } from '../../core/tminus-error.js';
import type { ActionContext } from '../../engine/action.js';
import { withDeadline } from '../action-deadline.js';
import { describeNetworkError } from '../shared/network/describe-network-error.js';

/** `https://hooks.slack.com/…`: webhook URLs are credentials, so only scheme and host are ever shown. */
export function publicPart(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '(invalid URL)';
  }
}

/**
 * POSTs a JSON body and requires a 2xx answer. A non-2xx answer fails with its status and the start of its
 * body (Slack says `invalid_payload`, `no_service`, …); network failures name the host in plain words.
 */
export async function postJson(
  ctx: ActionContext,
  label: string,
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<{ status: number }> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Neither the URL nor the parser's error (which carries the input) is shown: webhook URLs are credentials.
    throw new TminusError('INVALID_PARAMS', `${label}: the webhook URL is not a valid URL`, {
      hint: 'write the full https:// URL the receiver gave you, as ${env:NAME}',
    });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TminusError('INVALID_PARAMS', `${label}: the webhook URL must be http:// or https://`);
  }
  const where = `${label} → ${publicPart(url)}`;
  return withDeadline(ctx, timeoutMs, where, async (signal) => {
    let response: Response;
    try {
      response = await fetch(parsed, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'tminus-notify', ...headers },
        body,
        signal,
        redirect: 'error',
      });
    } catch (error) {
      if (signal.aborted) throw signal.reason as Error;
      const cause = (error as { cause?: unknown }).cause ?? error;
      const network = describeNetworkError(cause, parsed.host);
      throw new TminusError('NOTIFY_FAILED', `${label}: ${network.message}`, { cause: error });
    }
    const text = await response.text();
    if (!response.ok) {
      const excerpt = ctx.redact(text.trim().slice(0, 200));
      throw new TminusError(
        'NOTIFY_FAILED',
        `${where}: the receiver answered ${response.status} ${response.statusText}${excerpt ? `: ${excerpt}` : ''}`,
      );
    }
    return { status: response.status };
  });
}
