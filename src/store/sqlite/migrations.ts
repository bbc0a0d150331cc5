/**
 * The SQLite schema, as an ordered list: migration N brings `PRAGMA user_version` from N-1 to N. Never edit
 * a released migration; append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE runs (
     run_id        TEXT PRIMARY KEY,
     plan_name     TEXT NOT NULL,
     created_at_ms INTEGER NOT NULL,
     head_seq      INTEGER NOT NULL,
     head_hash     TEXT NOT NULL,
     ended         INTEGER NOT NULL DEFAULT 0
   );
   CREATE TABLE events (
     run_id    TEXT NOT NULL REFERENCES runs(run_id),
     seq       INTEGER NOT NULL,
     at_ms     INTEGER NOT NULL,
     actor     TEXT NOT NULL,
     type      TEXT NOT NULL,
     data      TEXT NOT NULL,
     prev_hash TEXT NOT NULL,
     hash      TEXT NOT NULL,
     PRIMARY KEY (run_id, seq)
   ) WITHOUT ROWID;
   CREATE TABLE leases (
     run_id        TEXT PRIMARY KEY REFERENCES runs(run_id),
     holder_id     TEXT NOT NULL,
     pid           INTEGER NOT NULL,
     host          TEXT NOT NULL,
     expires_at_ms INTEGER NOT NULL
   );`,
  // Append-only: the database itself refuses edits and deletions of events (audit verify still catches
  // changes made with the triggers dropped).
  `CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
   CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;`,
  // API tokens for `tminus serve` (issue 15): only a hash of each secret is kept.
  `CREATE TABLE access_tokens (
     token_id      TEXT PRIMARY KEY,
     person        TEXT NOT NULL,
     role          TEXT NOT NULL CHECK (role IN ('person', 'viewer')),
     secret_hash   TEXT NOT NULL,
     created_at_ms INTEGER NOT NULL,
     expires_at_ms INTEGER,
     revoked_at_ms INTEGER
   );`,
];
