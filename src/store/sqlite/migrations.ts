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
  // Keyed journal (issue #10): runs sealed with a key kept outside the store (runs.key_id; NULL = a legacy
  // unkeyed chain), a content seal per event (events.mac), the store's identity and key (journal), and
  // guards on everything the chain depends on: the head only moves forward with the journal, events are
  // appended in order, the store's key is set once.
  `ALTER TABLE runs ADD COLUMN key_id TEXT;
   ALTER TABLE events ADD COLUMN mac TEXT;
   CREATE TABLE journal (
     store_id      TEXT NOT NULL,
     key_id        TEXT,
     created_at_ms INTEGER NOT NULL
   );
   INSERT INTO journal (store_id, created_at_ms)
     VALUES (lower(hex(randomblob(16))), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
   CREATE TRIGGER journal_no_insert BEFORE INSERT ON journal
     BEGIN SELECT RAISE(ABORT, 'the journal identity is written once'); END;
   CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
     BEGIN SELECT RAISE(ABORT, 'the journal identity is written once'); END;
   CREATE TRIGGER journal_key_once BEFORE UPDATE ON journal
     WHEN OLD.key_id IS NOT NULL OR NEW.store_id IS NOT OLD.store_id OR NEW.created_at_ms IS NOT OLD.created_at_ms
     BEGIN SELECT RAISE(ABORT, 'the journal identity is written once'); END;
   CREATE TRIGGER runs_no_delete BEFORE DELETE ON runs
     BEGIN SELECT RAISE(ABORT, 'runs are append-only'); END;
   CREATE TRIGGER runs_head_forward BEFORE UPDATE ON runs
     WHEN NEW.run_id IS NOT OLD.run_id OR NEW.plan_name IS NOT OLD.plan_name
       OR NEW.created_at_ms IS NOT OLD.created_at_ms OR NEW.key_id IS NOT OLD.key_id
       OR NEW.head_seq < OLD.head_seq OR NEW.ended < OLD.ended
       OR NEW.head_hash IS NOT (SELECT hash FROM events WHERE run_id = NEW.run_id AND seq = NEW.head_seq)
     BEGIN SELECT RAISE(ABORT, 'the head of a run only moves forward with its journal'); END;
   CREATE TRIGGER events_in_order BEFORE INSERT ON events
     WHEN NEW.seq IS NOT coalesce((SELECT max(seq) FROM events WHERE run_id = NEW.run_id), 0) + 1
     BEGIN SELECT RAISE(ABORT, 'events are appended in order'); END;`,
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
  // Workers (issue 16): every lease grant gets an epoch from one counter that never goes back, so an append
  // fenced with an old epoch is refused after anyone else was granted the run.
  `ALTER TABLE leases ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;
   CREATE TABLE lease_epoch (n INTEGER NOT NULL);
   INSERT INTO lease_epoch (n) VALUES (0);`,
];

/** The triggers the journal's integrity depends on; `audit verify` reports any that are missing. */
export const JOURNAL_GUARDS = [
  'events_no_update',
  'events_no_delete',
  'events_in_order',
  'runs_no_delete',
  'runs_head_forward',
  'journal_no_insert',
  'journal_no_delete',
  'journal_key_once',
] as const;
