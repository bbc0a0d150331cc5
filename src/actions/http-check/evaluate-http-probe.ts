import { jsonEquals, selectJsonPath } from '../../core/conditions/json-path.js';
import { formatMs } from '../action-deadline.js';
import type { HttpExpectation } from './http-check-params.js';
import type { HttpProbe } from './http-probe.js';
import { describeStatusExpectation, matchesStatus } from './status-expectation.js';

const excerpt = (text: string) => JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);

/**
 * Every way a response misses its expectations, one sentence each (empty when it meets them all). All
 * expectations are checked, not just the first, so the operator sees the whole picture in one probe.
 */
export function evaluateHttpProbe(probe: HttpProbe, expect: HttpExpectation): string[] {
  const problems: string[] = [];
  const status = expect.status ?? '2xx';
  if (!matchesStatus(probe.status, status)) {
    problems.push(`status ${probe.status}, expected ${describeStatusExpectation(status)}`);
  }
  for (const [name, text] of Object.entries(expect.headers ?? {})) {
    const actual = probe.headers[name.toLowerCase()];
    if (actual === undefined) problems.push(`response has no ${name} header`);
    else if (!actual.includes(text)) {
      problems.push(
        `header ${name} is ${JSON.stringify(actual)}, expected it to contain ${JSON.stringify(text)}`,
      );
    }
  }
  if (expect.bodyContains !== undefined && !probe.body.includes(expect.bodyContains)) {
    problems.push(
      `body does not contain ${JSON.stringify(expect.bodyContains)} (body starts ${excerpt(probe.body)})`,
    );
  }
  if (expect.bodyMatches !== undefined && !new RegExp(expect.bodyMatches).test(probe.body)) {
    problems.push(`body does not match /${expect.bodyMatches}/ (body starts ${excerpt(probe.body)})`);
  }
  if (expect.json !== undefined) problems.push(...evaluateJson(probe.body, expect.json));
  if (expect.maxLatency !== undefined && probe.latencyMs > expect.maxLatency) {
    problems.push(
      `answered in ${formatMs(probe.latencyMs)}, slower than the allowed ${formatMs(expect.maxLatency)}`,
    );
  }
  if (expect.minDaysToExpiry !== undefined) {
    if (!probe.certificate) {
      problems.push('minDaysToExpiry needs an https:// URL (no certificate was presented)');
    } else if (probe.certificate.daysToExpiry < expect.minDaysToExpiry) {
      problems.push(
        `certificate expires in ${probe.certificate.daysToExpiry} days (${probe.certificate.validTo}), fewer than ${expect.minDaysToExpiry}`,
      );
    }
  }
  return problems;
}

function evaluateJson(body: string, json: NonNullable<HttpExpectation['json']>): string[] {
  let document: unknown;
  try {
    document = JSON.parse(body) as unknown;
  } catch {
    return [`body is not JSON, so JSON paths cannot be checked (body starts ${excerpt(body)})`];
  }
  const problems: string[] = [];
  for (const { path, equals } of Array.isArray(json) ? json : [json]) {
    const selected = selectJsonPath(document, path);
    if (!selected.found) problems.push(`JSON path ${path}: ${selected.reason}`);
    else if (!jsonEquals(selected.value, equals)) {
      problems.push(
        `JSON path ${path} is ${JSON.stringify(selected.value)}, expected ${JSON.stringify(equals)}`,
      );
    }
  }
  return problems;
}
