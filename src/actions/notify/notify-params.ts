import { z } from 'zod';
import { durationParam } from '../duration-param.js';

const name = z
  .string()
  .min(1)
  .optional()
  .meta({ description: 'Label for this channel in summaries (default: its type)' });
const url = z
  .string()
  .min(1)
  .optional()
  .meta({ description: 'Webhook URL for live announcements (a secret: write it as ${env:NAME})' });
const testUrl = z
  .string()
  .min(1)
  .optional()
  .meta({ description: 'Webhook URL used when the run sends comms to the test channel (comms: test)' });
const connection = z
  .string()
  .min(1)
  .optional()
  .meta({ description: 'Instead of url: a `connections:` entry (kind webhook or smtp) holding it' });

const hasTarget = (c: { url?: string; connection?: string }) =>
  c.url !== undefined || c.connection !== undefined;
const targetMessage = { message: 'give url (or connection) for the live target' };

const slack = z
  .object({ type: z.literal('slack'), name, url, testUrl, connection })
  .strict()
  .refine(hasTarget, targetMessage);
const teams = z
  .object({
    type: z.literal('teams'),
    name,
    url,
    testUrl,
    connection,
    format: z.enum(['adaptive', 'messagecard']).default('adaptive').meta({
      description: "'adaptive' (Workflows webhooks, default) or 'messagecard' (legacy Office 365 connectors)",
    }),
  })
  .strict()
  .refine(hasTarget, targetMessage);
const webhook = z
  .object({
    type: z.literal('webhook'),
    name,
    url,
    testUrl,
    connection,
    secret: z.string().min(1).optional().meta({
      description: 'HMAC-SHA256 key: signs each delivery (X-Tminus-Signature); write it as ${env:NAME}',
    }),
    headers: z
      .record(z.string(), z.string())
      .optional()
      .meta({ description: 'Extra request headers (never printed)' }),
  })
  .strict()
  .refine(hasTarget, targetMessage);
const email = z
  .object({
    type: z.literal('email'),
    name,
    smtp: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'smtp://user:pass@host:587 or smtps://…:465 (write it as ${env:NAME})' }),
    connection,
    from: z.string().min(1).meta({ description: 'Sender address' }),
    to: z.array(z.string().min(1)).min(1).meta({ description: 'Recipients of live announcements' }),
    testTo: z
      .array(z.string().min(1))
      .optional()
      .meta({ description: 'Recipients used when the run sends comms to the test channel (comms: test)' }),
    subject: z.string().optional().meta({ description: 'Subject template (default: the title)' }),
    ca: z
      .string()
      .optional()
      .meta({ description: "PEM file of a private CA that signed the SMTP server's certificate" }),
    requireTls: z.boolean().default(false).meta({
      description: 'Refuse to send unless smtp:// is upgraded with STARTTLS (smtps:// is always TLS)',
    }),
  })
  .strict()
  .refine((c) => c.smtp !== undefined || c.connection !== undefined, {
    message: 'give smtp (or connection)',
  });
const file = z
  .object({
    type: z.literal('file'),
    name,
    path: z
      .string()
      .min(1)
      .meta({ description: 'File the announcement is appended to (created if missing)' }),
    format: z
      .enum(['text', 'json'])
      .default('text')
      .meta({ description: "'text' lines (default) or JSON lines" }),
  })
  .strict();
const log = z.object({ type: z.literal('log'), name }).strict();

export const notifyChannel = z.discriminatedUnion('type', [slack, teams, webhook, email, file, log]);
export type NotifyChannel = z.infer<typeof notifyChannel>;

export const notifyParams = z
  .object({
    title: z
      .string()
      .min(1)
      .meta({ description: 'Headline template, e.g. "{{run.planTitle}}: maintenance starts"' }),
    message: z.string().default('').meta({
      description: 'Body template; {{run.planTitle}}, {{run.mode}}, {{step.title}}, {{vars.NAME}}, …',
    }),
    vars: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .default({})
      .meta({ description: 'Extra values for the templates, as {{vars.NAME}}' }),
    channels: z
      .array(notifyChannel)
      .min(1)
      .meta({ description: 'Where to send: slack, teams, webhook, email, file, log' }),
    timeout: durationParam('Per-channel delivery timeout (default 15s)').default(15_000),
  })
  .strict();
export type NotifyParams = z.infer<typeof notifyParams>;
