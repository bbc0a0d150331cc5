import { z } from 'zod';
import { TminusError } from '../../../core/tminus-error.js';
import { durationMs, durationText } from './traffic-target.js';

/** A probe run after each traffic step: the step is kept only if it answers as expected. */
export const stepCheckSchema = z.strictObject({
  url: z.string().min(1).meta({ description: 'http(s) URL to GET after each step.' }),
  status: z.union([z.int().min(100).max(599), z.array(z.int().min(100).max(599)).min(1)]).optional(),
  contains: z.string().optional().meta({ description: 'Text the response body must contain.' }),
  timeout: durationText().optional(),
  /** Probes per check; all must pass (a single lucky request proves little during a weighted split). */
  samples: z.int().min(1).max(1000).optional(),
});
export type StepCheck = z.infer<typeof stepCheckSchema>;

export interface StepCheckResult {
  readonly ok: boolean;
  readonly samples: number;
  readonly failures: number;
  /** First failure, for the report. */
  readonly problem?: string;
}

/** Runs the probe `samples` times and reports the first failure (never throws for a failed probe). */
export async function runStepCheck(check: StepCheck, signal: AbortSignal): Promise<StepCheckResult> {
  let url: URL;
  try {
    url = new URL(check.url);
  } catch (error) {
    throw new TminusError('TRAFFIC_BAD_TARGET', `check url '${check.url}' is not a URL`, { cause: error });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TminusError('TRAFFIC_BAD_TARGET', `check url '${check.url}' must be http or https`);
  }
  const expected =
    check.status === undefined ? [200] : Array.isArray(check.status) ? check.status : [check.status];
  const samples = check.samples ?? 1;
  const timeoutMs = durationMs(check.timeout, 5_000);
  let failures = 0;
  let problem: string | undefined;
  for (let i = 0; i < samples; i++) {
    let issue: string | undefined;
    try {
      // A network timeout is about the real network, so it uses a real timer, not the (possibly sped-up) clock.
      const response = await fetch(url, {
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      });
      const body = await response.text();
      if (!expected.includes(response.status)) {
        issue = `status ${response.status}, expected ${expected.join(' or ')}`;
      } else if (check.contains !== undefined && !body.includes(check.contains)) {
        issue = `body does not contain '${check.contains}'`;
      }
    } catch (error) {
      if (signal.aborted) throw error;
      issue =
        error instanceof Error
          ? error.cause instanceof Error
            ? error.cause.message
            : error.message
          : String(error);
    }
    if (issue !== undefined) {
      failures++;
      problem ??= `GET ${check.url}: ${issue}`;
    }
  }
  return { ok: failures === 0, samples, failures, ...(problem !== undefined ? { problem } : {}) };
}
