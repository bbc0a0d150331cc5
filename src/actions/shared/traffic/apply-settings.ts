import { TminusError } from '../../../core/tminus-error.js';
import {
  describeSetting,
  diffSettings,
  type ServerChange,
  type ServerSettings,
  type TrafficProvider,
} from './traffic-provider.js';

export interface AppliedSettings {
  readonly before: ServerSettings;
  readonly after: ServerSettings;
  /** The changes actually sent; empty when the balancer was already there (idempotent no-op). */
  readonly changes: Readonly<Record<string, ServerChange>>;
}

/** Refuses servers the balancer does not have and weights it cannot take, listing every problem at once. */
export function checkDesired(
  provider: TrafficProvider,
  current: ServerSettings,
  desired: Readonly<Record<string, ServerChange>>,
): void {
  const problems: string[] = [];
  for (const [name, change] of Object.entries(desired)) {
    if (!(name in current)) problems.push(`no server '${name}'`);
    if (change.weight !== undefined && (change.weight < 0 || change.weight > provider.maxWeight)) {
      problems.push(`weight ${change.weight} for '${name}' is outside 0–${provider.maxWeight}`);
    }
  }
  if (problems.length > 0) {
    throw new TminusError('TRAFFIC_BAD_TARGET', `${provider.target}: ${problems.join('; ')}`, {
      hint: `known servers: ${Object.keys(current).join(', ') || '(none)'}`,
    });
  }
}

/**
 * Brings the balancer to the desired settings and reads them back: only differing fields are sent, and a
 * read-back that disagrees is an error, because a balancer that silently ignored a change is the failure
 * that matters at 3 a.m.
 */
export async function applySettings(
  provider: TrafficProvider,
  desired: Readonly<Record<string, ServerChange>>,
  signal: AbortSignal,
): Promise<AppliedSettings> {
  const before = await provider.read(signal);
  checkDesired(provider, before, desired);
  const changes = diffSettings(before, desired);
  if (Object.keys(changes).length === 0) {
    await provider.persist?.(signal);
    return { before, after: before, changes };
  }
  await provider.apply(changes, signal);
  const after = await provider.read(signal);
  const still = diffSettings(after, desired);
  if (Object.keys(still).length > 0) {
    const detail = Object.keys(still)
      .map((n) => `${n}: wanted ${JSON.stringify(desired[n])}, is ${describeSetting(after[n])}`)
      .join('; ');
    throw new TminusError('TRAFFIC_NOT_APPLIED', `${provider.target} did not take the change: ${detail}`);
  }
  return { before, after, changes };
}
