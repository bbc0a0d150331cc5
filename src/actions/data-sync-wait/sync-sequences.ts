import type { PostgresDialect } from '../../data/postgres/postgres-dialect.js';

/**
 * Copies every sequence position from the source to the target (logical replication never replicates them):
 * `setval(seq, last_value, is_called)` for each sequence that exists on both sides.
 */
export async function syncSequences(
  source: PostgresDialect,
  target: PostgresDialect,
): Promise<{ synced: { name: string; value: string }[]; missingOnTarget: string[] }> {
  const seqs = await source.query<{ name: string }>(
    `SELECT format('%I.%I', schemaname, sequencename) AS name FROM pg_sequences
      WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
  );
  const synced: { name: string; value: string }[] = [];
  const missingOnTarget: string[] = [];
  for (const { name } of seqs) {
    const [state] = await source.query<{ v: string; c: boolean }>(
      `SELECT last_value::text AS v, is_called AS c FROM ${name}`,
    );
    if (!state) continue;
    const [exists] = await target.query<{ ok: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS ok`, [name]);
    if (!exists?.ok) {
      missingOnTarget.push(name);
      continue;
    }
    await target.query(`SELECT setval($1::regclass, $2::bigint, $3)`, [name, state.v, state.c]);
    synced.push({ name, value: state.v });
  }
  return { synced, missingOnTarget };
}
