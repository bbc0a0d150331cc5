import type { JournalVerdict } from '../engine/verify-journal.js';
import type { Style } from './style.js';

/** `tminus audit verify`'s lines for one run. */
export function formatVerdict(v: JournalVerdict, style: Style): string {
  const where = v.witnessedSeq === undefined ? '' : `, witnessed up to event ${v.witnessedSeq}`;
  const lines: string[] = [];
  if (v.status === 'intact') {
    lines.push(
      `${style.ok('ok')} ${v.runId}: ${v.events} events, keyed hash chain intact (key ${v.keyId}${where})`,
    );
  } else if (v.status === 'legacy') {
    lines.push(`${style.warning('legacy')} ${v.runId}: ${v.events} events, unkeyed hash chain intact`);
  } else if (v.status === 'unverifiable') {
    lines.push(`${style.warning('UNVERIFIABLE')} ${v.runId}: ${v.events} events`);
  } else {
    lines.push(`${style.error('TAMPERED')} ${v.runId}:`);
  }
  for (const f of v.findings) lines.push(`  ${f.message}`);
  for (const n of v.notes) lines.push(`  ${style.dim(n)}`);
  return lines.join('\n');
}

/** The loud warning `tminus log` prints before a journal that does not verify (nothing for an intact one). */
export function journalWarning(v: JournalVerdict, style: Style): string | undefined {
  if (v.status === 'intact') return undefined;
  if (v.status === 'legacy') return style.dim(`note: ${v.notes.at(-1) ?? 'legacy journal'}`);
  const head =
    v.status === 'tampered'
      ? `WARNING: this journal does not verify — it was altered after it was written`
      : `WARNING: this journal cannot be verified here (key missing): do not trust it as evidence`;
  const detail = [...v.findings.slice(0, 5).map((f) => `  ${f.message}`)];
  if (v.findings.length > 5) detail.push(`  … and ${v.findings.length - 5} more`);
  if (v.status === 'unverifiable') detail.push(`  ${v.notes[0] ?? ''}`);
  detail.push(`  run \`tminus audit verify --run ${v.runId}\` for the full report`);
  return `${style.error(head)}\n${detail.join('\n')}`;
}
