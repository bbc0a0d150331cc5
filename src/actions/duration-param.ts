import { z } from 'zod';
import { parseDuration } from '../core/plan/duration.js';

/**
 * A duration parameter written like the plan's durations (`500ms` is not one: `1s`, `30s`, `2m`), or a
 * number of milliseconds. Parsed to milliseconds.
 */
export function durationParam(description: string) {
  return z
    .union([
      z.number().int().positive(),
      z.string().refine((text) => (parseDuration(text) ?? 0) > 0, {
        message: 'expected a duration such as 5s, 2m or 1h30m (or a number of milliseconds)',
      }),
    ])
    .transform((value) => (typeof value === 'number' ? value : (parseDuration(value) ?? 0)))
    .meta({ description });
}
