/**
 * The PostgreSQL schema, as an ordered list: migration N brings `tminus_schema.version` from N-1 to N.
 * Never edit a released migration; append a new one. Event bodies are stored as text (not jsonb) so they
 * come back exactly as written.
 */
export const PG_MIGRATIONS: readonly string[] = [
  `CREATE TABLE runs (
     run_id        text PRIMARY KEY,
     plan_name     text NOT NULL,
     created_at_ms bigint NOT NULL,
     head_seq      integer NOT NULL,
     head_hash     text NOT NULL,
     ended         boolean NOT NULL DEFAULT false
   );
   CREATE TABLE events (
     run_id    text NOT NULL REFERENCES runs(run_id),
     seq       integer NOT NULL,
     at_ms     bigint NOT NULL,
     actor     text NOT NULL,
     type      text NOT NULL,
     data      text NOT NULL,
     prev_hash text NOT NULL,
     hash      text NOT NULL,
     PRIMARY KEY (run_id, seq)
   );
   CREATE TABLE leases (
     run_id        text PRIMARY KEY REFERENCES runs(run_id),
     holder_id     text NOT NULL,
     pid           integer NOT NULL,
     host          text NOT NULL,
     expires_at_ms bigint NOT NULL
   );
   CREATE FUNCTION tminus_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN RAISE EXCEPTION 'events are append-only'; END $$;
   CREATE TRIGGER events_no_update BEFORE UPDATE ON events FOR EACH ROW EXECUTE FUNCTION tminus_events_append_only();
   CREATE TRIGGER events_no_delete BEFORE DELETE ON events FOR EACH ROW EXECUTE FUNCTION tminus_events_append_only();`,
  // API tokens for `tminus serve` (issue 15): only a hash of each secret is kept.
  `CREATE TABLE access_tokens (
     token_id      text PRIMARY KEY,
     person        text NOT NULL,
     role          text NOT NULL CHECK (role IN ('person', 'viewer')),
     secret_hash   text NOT NULL,
     created_at_ms bigint NOT NULL,
     expires_at_ms bigint,
     revoked_at_ms bigint
   );`,
];
