import { TminusError } from '../../../core/tminus-error.js';
import type { RecordType } from '../dns-wire/dns-rdata.js';
import { sameValues } from '../dns-wire/dns-rdata.js';
import type { DnsProvider, RecordSet, WriteReceipt } from './dns-provider.js';

export interface DesiredRecord {
  readonly name: string;
  readonly type: RecordType;
  readonly ttl: number;
  readonly values: readonly string[];
}

export interface ChangeOutcome {
  readonly changed: boolean;
  readonly from: RecordSet | undefined;
  readonly to: RecordSet;
  readonly receipt: WriteReceipt | undefined;
}

/** `192.0.2.10, 192.0.2.11 (TTL 300)` or `nothing`. */
export const describeSet = (set: RecordSet | undefined): string =>
  set ? `${set.values.join(', ')} (TTL ${set.ttl})` : 'nothing';

const holds = (type: string, set: RecordSet | undefined, d: { values: readonly string[]; ttl?: number }) =>
  set !== undefined && sameValues(type, set.values, d.values) && (d.ttl === undefined || set.ttl === d.ttl);

/** Whether the record holds what `expect` says: the values, or (for `[]`) nothing at all. */
export const matchesExpect = (
  type: string,
  set: RecordSet | undefined,
  expect: readonly string[],
): boolean => (expect.length === 0 ? set === undefined : holds(type, set, { values: expect }));

/**
 * Sets a record idempotently and, when `expect` is given, only while it still holds the expected values:
 * already at the target → no change; holding something unexpected → DNS_CAS_MISMATCH, not retryable, nothing
 * changed. A provider-side CAS refusal is re-read once: if the record now holds the target (an earlier
 * attempt landed, e.g. before a crash), the call succeeds without change.
 */
export async function applyRecordChange(
  provider: DnsProvider,
  desired: DesiredRecord,
  expect: readonly string[] | undefined,
): Promise<ChangeOutcome> {
  const { name, type } = desired;
  const to = { values: desired.values, ttl: desired.ttl };
  const current = await provider.read(name, type);
  if (holds(type, current, desired)) return { changed: false, from: current, to, receipt: undefined };
  // Already switched by someone else with another TTL: the value is right, so only the TTL is set (still
  // guarded by the current values) instead of refusing the compare-and-swap.
  const onlyTtlDiffers = holds(type, current, { values: desired.values });
  if (expect !== undefined && !onlyTtlDiffers && !matchesExpect(type, current, expect)) {
    throw new TminusError(
      'DNS_CAS_MISMATCH',
      `refusing to change ${name} ${type} on ${provider.label}: it holds ${describeSet(current)}, not the expected ${expect.join(', ') || 'nothing'}`,
      {
        hint: 'someone changed the record since the plan was written: check it, then fix `expect` (or the record)',
        retryable: false,
      },
    );
  }
  try {
    const receipt = await provider.write(name, type, current, to);
    return { changed: true, from: current, to, receipt };
  } catch (error) {
    if (!(error instanceof TminusError) || error.code !== 'DNS_CAS_MISMATCH') throw error;
    const now = await provider.read(name, type);
    if (holds(type, now, desired)) return { changed: false, from: now, to, receipt: undefined };
    throw new TminusError('DNS_CAS_MISMATCH', `${error.message}; it now holds ${describeSet(now)}`, {
      cause: error,
      hint: 'the record changed between reading and writing it: check who else is editing the zone',
      retryable: false,
    });
  }
}
