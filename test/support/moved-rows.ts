/**
 * Statements for a target table `t (id, v)` copied from its source, then changed the way replication leaves a
 * heap: rows changed and moved by updates, moved with the same values (cancelling against the source's),
 * deleted, then, after a vacuum, changed and inserted into the freed space (earlier pages). Keys are
 * `g * 3 − 3000` as the data tests write them.
 */
export const MOVED_ROWS: readonly string[] = [
  `UPDATE t SET v = v || 'x' WHERE id % 997 = 0`,
  `UPDATE t SET v = v WHERE id % 1009 = 0`,
  `DELETE FROM t WHERE id BETWEEN 20000 AND 20300 OR id % 4999 = 0`,
  'VACUUM t',
  `UPDATE t SET v = 'back' WHERE id % 1013 = 0`,
  `INSERT INTO t SELECT g * 3 - 2999, 'new' FROM generate_series(5, 30000, 1500) g`,
];
