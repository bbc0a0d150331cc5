import { isIP } from 'node:net';
import { INITIAL_HEALTH, observeHealth, type HealthState } from '../../core/go-live/health-debounce.js';
import { redactUrl } from '../../core/secrets/redact-url.js';
import { TminusError, coerceError } from '../../core/tminus-error.js';
import type { ActionContext, ActionDefinition } from '../../engine/action.js';
import { formatMs } from '../action-deadline.js';
import { evaluateHttpProbe } from './evaluate-http-probe.js';
import { httpCheckParams, type HttpCheckParams } from './http-check-params.js';
import { parseCheckUrl, probeHttp, type HttpProbe } from './http-probe.js';

/** One probe as kept in the evidence. */
interface ProbeRecord {
  readonly attempt: number;
  readonly ok: boolean;
  readonly status?: number;
  readonly latencyMs?: number;
  readonly problems: readonly string[];
}

/** Probes and thresholds after defaults: `attempts` alone means "retry until one success". */
function thresholdsOf(p: HttpCheckParams) {
  const failureThreshold = p.failureThreshold ?? p.attempts ?? 1;
  const recoveryThreshold = p.recoveryThreshold;
  const attempts = p.attempts ?? Math.max(1, failureThreshold + recoveryThreshold - 1);
  return { failureThreshold, recoveryThreshold, attempts };
}

function describeTarget(ctx: ActionContext, p: HttpCheckParams): string {
  const via = p.connectTo === undefined ? '' : ` via ${p.connectTo}`;
  return ctx.redact(`${p.method} ${redactUrl(p.url)}${via}`);
}

/**
 * `http.check`: requests a URL and checks status, body, JSON values, latency and TLS validity. With
 * `attempts`/thresholds it probes repeatedly and debounces, so one flaky answer does not decide.
 */
export const httpCheckAction: ActionDefinition<HttpCheckParams> = {
  type: 'http.check',
  description: 'Request a URL and check status, body, JSON path values, latency and the TLS certificate',
  params: httpCheckParams,
  idempotent: true,

  plan(ctx, p) {
    const t = thresholdsOf(p);
    const probes = t.attempts > 1 ? ` (up to ${t.attempts} probes, ${formatMs(p.interval)} apart)` : '';
    return Promise.resolve({
      summary: `would request ${describeTarget(ctx, p)}${probes} and check the answer; changes nothing`,
      changes: [],
    });
  },

  async execute(ctx, p) {
    const url = parseCheckUrl(p.url);
    if (p.connectTo !== undefined && isIP(p.connectTo) === 0) {
      throw new TminusError('INVALID_PARAMS', `http.check connectTo: '${p.connectTo}' is not an IP address`);
    }
    const { failureThreshold, recoveryThreshold, attempts } = thresholdsOf(p);
    const target = describeTarget(ctx, p);
    const records: ProbeRecord[] = [];
    let health: HealthState = INITIAL_HEALTH;
    let last: HttpProbe | undefined;
    let lastError: TminusError | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) {
        await ctx.clock.sleep(p.interval, ctx.signal).catch((error: unknown) => {
          throw new TminusError('ABORTED', `http.check ${target}: the run was aborted between probes`, {
            cause: error,
          });
        });
      }
      let problems: string[];
      try {
        last = await probeHttp(ctx, p, url);
        problems = evaluateHttpProbe(last, p.expect).map((s) => ctx.redact(s));
        lastError = undefined;
      } catch (error) {
        const e = coerceError(error);
        if (e.code === 'ABORTED' || e.code === 'INVALID_PARAMS') throw e;
        lastError = e;
        last = undefined;
        problems = [ctx.redact(redactUrl(e.message))];
      }
      const ok = problems.length === 0;
      records.push({ attempt, ok, status: last?.status, latencyMs: last?.latencyMs, problems });
      if (!ok) ctx.logger.warn(`http.check probe ${attempt}/${attempts} failed`, { target, problems });
      health = observeHealth(health, ok, { failureThreshold, recoveryThreshold });
      if (health.status !== 'unknown') break;
    }
    const output = {
      url: ctx.redact(redactUrl(p.url)),
      method: p.method,
      status: last?.status,
      latencyMs: last?.latencyMs,
      ...(last?.certificate ? { certificate: last.certificate } : {}),
      ...(last?.contentType ? { contentType: last.contentType } : {}),
      ...(last ? { bodyExcerpt: ctx.redact(last.body.slice(0, 500)) } : {}),
      probes: records,
    };
    if (health.status === 'healthy') {
      // An unverified certificate must not read like a verified one in the run log.
      const verified = p.insecure ? 'NOT verified (insecure: true), ' : '';
      const cert = last?.certificate
        ? `, certificate ${verified}valid ${last.certificate.daysToExpiry} more days`
        : '';
      const tries = records.length > 1 ? ` after ${records.length} probes` : '';
      return {
        summary: `${target} → ${last?.status} in ${formatMs(last?.latencyMs ?? 0)}${cert}${tries}`,
        output,
        value: last?.status,
      };
    }
    const lastProblems = records.at(-1)?.problems ?? [];
    const why =
      health.status === 'unhealthy'
        ? `${failureThreshold > 1 ? `${failureThreshold} consecutive probes failed` : 'check failed'}`
        : `not healthy after ${records.length} probes (needs ${recoveryThreshold} good in a row)`;
    throw new TminusError(
      lastError?.code ?? 'CHECK_FAILED',
      `http.check ${target}: ${why}: ${lastProblems.join('; ')}`,
      {
        cause: lastError,
        hint: lastError?.hint,
      },
    );
  },
};
