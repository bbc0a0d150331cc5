import type { NotifyMessage } from './notify-message.js';

/**
 * Slack incoming webhook body (https://api.slack.com/messaging/webhooks): `text` is the notification
 * fallback, `blocks` the rich layout (a header and a mrkdwn section).
 */
export function slackPayload(m: NotifyMessage): Record<string, unknown> {
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: m.title.slice(0, 150) } },
  ];
  if (m.message !== '') {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: m.message.slice(0, 3000) } });
  }
  blocks.push({
    type: 'context',
    elements: [
      { type: 'mrkdwn', text: `${m.view.run.planName} · ${m.view.run.mode} · ${m.view.step.title}` },
    ],
  });
  return { text: m.message === '' ? m.title : `${m.title}\n${m.message}`, blocks };
}

/**
 * Microsoft Teams incoming webhook body. `adaptive`: a message with an Adaptive Card attachment, what
 * Workflows ("Post to a channel when a webhook request is received") expects; `messagecard`: the legacy
 * Office 365 connector card.
 */
export function teamsPayload(m: NotifyMessage, format: 'adaptive' | 'messagecard'): Record<string, unknown> {
  if (format === 'messagecard') {
    return {
      '@type': 'MessageCard',
      '@context': 'https://schema.org/extensions',
      summary: m.title,
      themeColor: m.view.run.mode === 'live' ? 'D13438' : '0078D7',
      title: m.title,
      text: m.message,
    };
  }
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', text: m.title, weight: 'Bolder', size: 'Medium', wrap: true },
            ...(m.message === '' ? [] : [{ type: 'TextBlock', text: m.message, wrap: true }]),
            {
              type: 'TextBlock',
              text: `${m.view.run.planName} · ${m.view.run.mode} · ${m.view.step.title}`,
              isSubtle: true,
              size: 'Small',
              wrap: true,
            },
          ],
        },
      },
    ],
  };
}

/** Generic webhook body: the rendered text plus the run context, for receivers that route or store it. */
export function genericPayload(m: NotifyMessage, idempotencyKey: string): Record<string, unknown> {
  return {
    event: 'tminus.notify',
    id: idempotencyKey,
    title: m.title,
    message: m.message,
    run: m.view.run,
    step: m.view.step,
    attempt: m.view.attempt,
    sentAt: m.view.now,
  };
}
