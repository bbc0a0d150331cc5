import { z } from 'zod';
import { parseDuration } from '../core/plan/duration.js';
import type { CompareOptions } from './compare-options.js';

const columnList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((v) =>
  typeof v === 'string'
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : v,
);

function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Comparison options as written by people (plan `with:` or CLI flags), validated with every issue reported.
 * Durations are text (`30s`, `2m`).
 */
export const compareOptionsSchema = z
  .object({
    key: columnList.optional(),
    keys: z.record(z.string(), columnList).optional(),
    columns: columnList.optional(),
    exclude: columnList.optional(),
    floatDecimals: z.number().int().min(0).max(30).optional(),
    timestampDigits: z.number().int().min(0).max(6).optional(),
    loadTimeZone: z
      .string()
      .min(1)
      .refine((z) => z.startsWith('${') || validZone(z), {
        message: 'not a known time zone (e.g. UTC, Europe/Paris)',
      })
      .optional(),
    where: z.string().min(1).optional(),
    connections: z.number().int().min(1).max(32).optional(),
    segmentSeconds: z.number().positive().max(600).optional(),
    downloadThreshold: z.number().int().min(100).max(1_000_000).optional(),
    maxDiffs: z.number().int().min(0).max(10_000_000).optional(),
    recheckAfter: z
      .string()
      .refine((d) => parseDuration(d) !== undefined, { message: 'expected a duration such as 30s or 2m' })
      .optional(),
    nativeHash: z.boolean().optional(),
    jsonAsText: z.boolean().optional(),
    timestampRounding: z
      .enum(['round', 'truncate'], {
        error: (issue) => `expected round or truncate, got '${String(issue.input)}'`,
      })
      .optional(),
    checksums: z.boolean().optional(),
  })
  .strict();

export type CompareOptionsInput = z.input<typeof compareOptionsSchema>;
export type CompareOptionsParsed = z.output<typeof compareOptionsSchema>;

/** Turns validated option input into engine options. */
export function toCompareOptions(p: CompareOptionsParsed): CompareOptions {
  const { recheckAfter, ...rest } = p;
  return { ...rest, recheckAfterMs: recheckAfter === undefined ? undefined : parseDuration(recheckAfter) };
}
