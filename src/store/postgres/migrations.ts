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
  // Keyed journal (issue #10), as in the SQLite store: runs.key_id (NULL = legacy unkeyed chain), events.mac,
  // the store's identity and key, and guards on everything the chain depends on.
  `ALTER TABLE runs ADD COLUMN key_id text;
   ALTER TABLE events ADD COLUMN mac text;
   CREATE TABLE journal (
     store_id      text NOT NULL,
     key_id        text,
     created_at_ms bigint NOT NULL
   );
   INSERT INTO journal (store_id, created_at_ms)
     VALUES (md5(random()::text || clock_timestamp()::text), (extract(epoch from now()) * 1000)::bigint);
   CREATE FUNCTION tminus_journal_guard() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF TG_OP = 'UPDATE' AND OLD.key_id IS NULL AND NEW.store_id = OLD.store_id
          AND NEW.created_at_ms = OLD.created_at_ms THEN RETURN NEW; END IF;
       RAISE EXCEPTION 'the journal identity is written once';
     END $$;
   CREATE TRIGGER journal_no_insert BEFORE INSERT ON journal FOR EACH ROW EXECUTE FUNCTION tminus_journal_guard();
   CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal FOR EACH ROW EXECUTE FUNCTION tminus_journal_guard();
   CREATE TRIGGER journal_key_once BEFORE UPDATE ON journal FOR EACH ROW EXECUTE FUNCTION tminus_journal_guard();
   CREATE FUNCTION tminus_runs_guard() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'runs are append-only'; END IF;
       IF NEW.run_id IS DISTINCT FROM OLD.run_id OR NEW.plan_name IS DISTINCT FROM OLD.plan_name
          OR NEW.created_at_ms IS DISTINCT FROM OLD.created_at_ms OR NEW.key_id IS DISTINCT FROM OLD.key_id
          OR NEW.head_seq < OLD.head_seq OR (OLD.ended AND NOT NEW.ended)
          OR NEW.head_hash IS DISTINCT FROM
             (SELECT hash FROM events WHERE run_id = NEW.run_id AND seq = NEW.head_seq) THEN
         RAISE EXCEPTION 'the head of a run only moves forward with its journal';
       END IF;
       RETURN NEW;
     END $$;
   CREATE TRIGGER runs_no_delete BEFORE DELETE ON runs FOR EACH ROW EXECUTE FUNCTION tminus_runs_guard();
   CREATE TRIGGER runs_head_forward BEFORE UPDATE ON runs FOR EACH ROW EXECUTE FUNCTION tminus_runs_guard();
   CREATE FUNCTION tminus_events_in_order() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF NEW.seq IS DISTINCT FROM
          coalesce((SELECT max(seq) FROM events WHERE run_id = NEW.run_id), 0) + 1 THEN
         RAISE EXCEPTION 'events are appended in order';
       END IF;
       RETURN NEW;
     END $$;
   CREATE TRIGGER events_in_order BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION tminus_events_in_order();`,
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
  // Workers (issue 16): every lease grant gets an epoch from a sequence (never reused), so an append fenced
  // with an old epoch is refused after anyone else was granted the run; each head move notifies
  // 'tminus_runs' with '<head seq> <run id>' (a hint for LISTENing workers: polling stays the fallback).
  `CREATE SEQUENCE tminus_lease_epoch;
   ALTER TABLE leases ADD COLUMN epoch bigint NOT NULL DEFAULT 0;
   CREATE FUNCTION tminus_runs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN PERFORM pg_notify('tminus_runs', NEW.head_seq || ' ' || NEW.run_id); RETURN NULL; END $$;
   CREATE TRIGGER runs_notify AFTER INSERT OR UPDATE OF head_seq ON runs
     FOR EACH ROW EXECUTE FUNCTION tminus_runs_notify();`,
  // One round trip per append (issue 8): the client seals the events against the head it last saw and sends
  // them in one autocommit call; under the run row's lock the function checks the head (seq and hash) and
  // the fence (holder and epoch), inserts, moves the head (whose trigger notifies). Anything else answers
  // with the current head, lease and time of the head event, and changes nothing: 'missing' (no such run),
  // 'fenced' (the caller records an append.rejected next), 'moved' (the head is not where the caller
  // sealed from).
  `CREATE FUNCTION tminus_append(
     p_run_id text, p_expected_seq integer, p_prev_hash text, p_holder text, p_epoch bigint,
     p_at_ms bigint[], p_actor text[], p_type text[], p_data text[], p_hash text[], p_mac text[],
     OUT status text, OUT head_seq integer, OUT head_hash text, OUT key_id text, OUT holder_id text,
     OUT epoch bigint, OUT head_at_ms bigint)
   LANGUAGE plpgsql AS $$
   DECLARE n integer := coalesce(cardinality(p_hash), 0);
   BEGIN
     SELECT r.head_seq, r.head_hash, r.key_id, l.holder_id, l.epoch
       INTO head_seq, head_hash, key_id, holder_id, epoch
       FROM runs r LEFT JOIN leases l ON l.run_id = r.run_id WHERE r.run_id = p_run_id FOR UPDATE OF r;
     IF NOT FOUND THEN status := 'missing'; RETURN; END IF;
     IF p_holder IS NOT NULL AND (holder_id IS DISTINCT FROM p_holder OR epoch IS DISTINCT FROM p_epoch) THEN
       status := 'fenced';
     ELSIF head_seq <> p_expected_seq OR head_hash <> p_prev_hash THEN
       status := 'moved';
     ELSE
       INSERT INTO events (run_id, seq, at_ms, actor, type, data, prev_hash, hash, mac)
         SELECT p_run_id, p_expected_seq + i::integer, p_at_ms[i], p_actor[i], p_type[i], p_data[i],
                CASE WHEN i = 1 THEN p_prev_hash ELSE p_hash[i - 1] END, p_hash[i], p_mac[i]
           FROM generate_subscripts(p_hash, 1) AS i ORDER BY i;
       IF n > 0 THEN
         UPDATE runs SET head_seq = p_expected_seq + n, head_hash = p_hash[n],
                ended = ended OR 'run.ended' = ANY (p_type)
          WHERE run_id = p_run_id;
       END IF;
       status := 'ok';
       RETURN;
     END IF;
     SELECT e.at_ms INTO head_at_ms FROM events e WHERE e.run_id = p_run_id AND e.seq = head_seq;
   END $$;`,
  // Step claims (issue 16): the run's driver offers each started step; any worker claims it (FOR UPDATE SKIP
  // LOCKED) with a lease of its own and an epoch from a sequence (never reused). A result is appended only
  // while its claim is current; 'revoked' marks a claim taken away after its lease ran out.
  `CREATE SEQUENCE tminus_step_epoch;
   CREATE TABLE step_claims (
     run_id        text NOT NULL REFERENCES runs(run_id),
     step_id       text NOT NULL,
     attempt       integer NOT NULL,
     offer_id      bigint GENERATED ALWAYS AS IDENTITY,
     state         text NOT NULL DEFAULT 'offered'
                   CHECK (state IN ('offered', 'claimed', 'revoked', 'done')),
     holder_id     text,
     pid           integer,
     host          text,
     expires_at_ms bigint,
     epoch         bigint,
     PRIMARY KEY (run_id, step_id, attempt)
   );
   CREATE INDEX step_claims_offered ON step_claims (offer_id) WHERE state = 'offered';
   CREATE INDEX step_claims_open ON step_claims (run_id) WHERE state <> 'done';`,
  // A cheaper append (issue 8): tminus_append (migration 5, kept for processes still running it) locked the
  // run row joined to its lease and answered a record of seven columns on every call. tminus_try_append
  // locks the run row alone; reads the lease only for a fenced append, in a statement of its own after the
  // lock (a lease grant locks the run row first, so that read sees any grant the lock waited for); and
  // answers NULL when appended. Anything else changes nothing and answers why, with the current head:
  // ARRAY[status, head seq, head hash, key id, lease holder, lease epoch, time of the head event], status
  // 'fenced' (the fence first, as before) or 'moved', or ARRAY['missing']. Same checks, same triggers.
  `CREATE FUNCTION tminus_try_append(
     p_run_id text, p_expected_seq integer, p_prev_hash text, p_holder text, p_epoch bigint,
     p_at_ms bigint[], p_actor text[], p_type text[], p_data text[], p_hash text[], p_mac text[])
   RETURNS text[] LANGUAGE plpgsql AS $$
   DECLARE
     n integer := coalesce(cardinality(p_hash), 0);
     h_seq integer; h_hash text; h_key text; l_holder text; l_epoch bigint; h_at bigint;
   BEGIN
     SELECT r.head_seq, r.head_hash INTO h_seq, h_hash FROM runs r WHERE r.run_id = p_run_id FOR UPDATE;
     IF NOT FOUND THEN RETURN ARRAY['missing']; END IF;
     IF h_seq = p_expected_seq AND h_hash = p_prev_hash THEN
       IF p_holder IS NULL OR EXISTS (SELECT 1 FROM leases l WHERE l.run_id = p_run_id
                                      AND l.holder_id = p_holder AND l.epoch = p_epoch) THEN
         INSERT INTO events (run_id, seq, at_ms, actor, type, data, prev_hash, hash, mac)
           SELECT p_run_id, p_expected_seq + i::integer, p_at_ms[i], p_actor[i], p_type[i], p_data[i],
                  CASE WHEN i = 1 THEN p_prev_hash ELSE p_hash[i - 1] END, p_hash[i], p_mac[i]
             FROM generate_subscripts(p_hash, 1) AS i;
         IF n > 0 THEN
           UPDATE runs SET head_seq = p_expected_seq + n, head_hash = p_hash[n],
                  ended = ended OR 'run.ended' = ANY (p_type)
            WHERE run_id = p_run_id;
         END IF;
         RETURN NULL;
       END IF;
     END IF;
     SELECT r.key_id, l.holder_id, l.epoch INTO h_key, l_holder, l_epoch
       FROM runs r LEFT JOIN leases l ON l.run_id = r.run_id WHERE r.run_id = p_run_id;
     SELECT e.at_ms INTO h_at FROM events e WHERE e.run_id = p_run_id AND e.seq = h_seq;
     RETURN ARRAY[CASE WHEN p_holder IS NOT NULL AND (l_holder IS DISTINCT FROM p_holder
                         OR l_epoch IS DISTINCT FROM p_epoch) THEN 'fenced' ELSE 'moved' END,
                  h_seq::text, h_hash, h_key, l_holder, l_epoch::text, h_at::text];
   END $$;`,
  // Cheaper guards on the append (issue 8), same refusals. events_in_order finds the last event by a
  // backward index step (ORDER BY … DESC LIMIT 1, no max() aggregate around it) and, for a run's first event,
  // requires the run row (FOR KEY SHARE, as a foreign key would): it replaces the events' foreign key to runs,
  // whose per-row check cost more than this one. Every later event already requires its predecessor; runs are
  // never deleted and never change id (runs_no_delete, runs_head_forward). The head guard notifies
  // 'tminus_runs' itself when the head moves, so runs_notify stays only for a new run's row. TRUNCATE, which
  // fires no row trigger, is refused on events, runs and journal.
  `CREATE OR REPLACE FUNCTION tminus_events_in_order() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF NEW.seq IS DISTINCT FROM
          coalesce((SELECT seq FROM events WHERE run_id = NEW.run_id ORDER BY seq DESC LIMIT 1), 0) + 1 THEN
         RAISE EXCEPTION 'events are appended in order';
       END IF;
       IF NEW.seq = 1 THEN
         IF NOT EXISTS (SELECT 1 FROM runs WHERE run_id = NEW.run_id FOR KEY SHARE) THEN
           RAISE EXCEPTION 'events are appended in order, to a run that exists';
         END IF;
       END IF;
       RETURN NEW;
     END $$;
   ALTER TABLE events DROP CONSTRAINT events_run_id_fkey;
   CREATE OR REPLACE FUNCTION tminus_runs_guard() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'runs are append-only'; END IF;
       IF NEW.run_id IS DISTINCT FROM OLD.run_id OR NEW.plan_name IS DISTINCT FROM OLD.plan_name
          OR NEW.created_at_ms IS DISTINCT FROM OLD.created_at_ms OR NEW.key_id IS DISTINCT FROM OLD.key_id
          OR NEW.head_seq < OLD.head_seq OR (OLD.ended AND NOT NEW.ended)
          OR NEW.head_hash IS DISTINCT FROM
             (SELECT hash FROM events WHERE run_id = NEW.run_id AND seq = NEW.head_seq) THEN
         RAISE EXCEPTION 'the head of a run only moves forward with its journal';
       END IF;
       IF NEW.head_seq <> OLD.head_seq THEN
         PERFORM pg_notify('tminus_runs', NEW.head_seq || ' ' || NEW.run_id);
       END IF;
       RETURN NEW;
     END $$;
   DROP TRIGGER runs_notify ON runs;
   CREATE TRIGGER runs_notify AFTER INSERT ON runs FOR EACH ROW EXECUTE FUNCTION tminus_runs_notify();
   CREATE FUNCTION tminus_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$;
   CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events EXECUTE FUNCTION tminus_no_truncate();
   CREATE TRIGGER runs_no_truncate BEFORE TRUNCATE ON runs EXECUTE FUNCTION tminus_no_truncate();
   CREATE TRIGGER journal_no_truncate BEFORE TRUNCATE ON journal EXECUTE FUNCTION tminus_no_truncate();`,
  // One table per append (issue 8): an append is one INSERT into events, and the run's row no longer follows
  // it. A run's head is its last event, its end a run.ended event (indexed below). What the run row's lock and
  // head did is done by: the events' primary key (run_id, seq), which lets one of two writers at the same place
  // in; the append statement, which inserts only after the expected event (seq and hash), locks the lease row
  // FOR SHARE when fenced (a grant, a renewal or a release waits for the append, and an append waits for a
  // grant under way and then sees it) and notifies 'tminus_runs' itself; events_in_order (unchanged), which
  // refuses an out-of-order, gapped or repeated event from any writer. runs.head_seq, head_hash and ended keep
  // the values they had (for a run created from now on: 0, the genesis hash, false) and the runs guard now
  // refuses every UPDATE. tminus_try_append and tminus_append (processes started before this migration, which
  // would read a head from runs that no longer moves) refuse with a message: restart them with this version.
  `CREATE INDEX events_ended ON events (run_id) WHERE type = 'run.ended';
   CREATE OR REPLACE FUNCTION tminus_runs_guard() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'runs are append-only'; END IF;
       RAISE EXCEPTION 'a run''s row is written once: the head of a run only moves forward with its journal, in events';
     END $$;
   CREATE FUNCTION tminus_refusal(p_run_id text, p_holder text, p_epoch bigint) RETURNS text[]
   LANGUAGE plpgsql STABLE AS $$
     DECLARE r record;
     BEGIN
       SELECT rr.key_id, l.holder_id, l.epoch, e.seq, e.hash, e.at_ms INTO r
         FROM runs rr LEFT JOIN leases l ON l.run_id = rr.run_id
         LEFT JOIN LATERAL (SELECT seq, hash, at_ms FROM events WHERE run_id = rr.run_id
                            ORDER BY seq DESC LIMIT 1) AS e ON true
        WHERE rr.run_id = p_run_id;
       IF NOT FOUND THEN RETURN ARRAY['missing']; END IF;
       RETURN ARRAY[CASE WHEN p_holder IS NOT NULL AND (r.holder_id IS DISTINCT FROM p_holder
                           OR r.epoch IS DISTINCT FROM p_epoch) THEN 'fenced' ELSE 'moved' END,
                    coalesce(r.seq, 0)::text, coalesce(r.hash, repeat('0', 64)), r.key_id, r.holder_id,
                    r.epoch::text, r.at_ms::text];
     END $$;
   CREATE OR REPLACE FUNCTION tminus_try_append(
     p_run_id text, p_expected_seq integer, p_prev_hash text, p_holder text, p_epoch bigint,
     p_at_ms bigint[], p_actor text[], p_type text[], p_data text[], p_hash text[], p_mac text[])
   RETURNS text[] LANGUAGE plpgsql AS $$
     BEGIN
       RAISE EXCEPTION 'this PostgreSQL store was upgraded (schema 9) by a newer tminus: restart this process with it';
     END $$;
   CREATE OR REPLACE FUNCTION tminus_append(
     p_run_id text, p_expected_seq integer, p_prev_hash text, p_holder text, p_epoch bigint,
     p_at_ms bigint[], p_actor text[], p_type text[], p_data text[], p_hash text[], p_mac text[],
     OUT status text, OUT head_seq integer, OUT head_hash text, OUT key_id text, OUT holder_id text,
     OUT epoch bigint, OUT head_at_ms bigint)
   LANGUAGE plpgsql AS $$
     BEGIN
       RAISE EXCEPTION 'this PostgreSQL store was upgraded (schema 9) by a newer tminus: restart this process with it';
     END $$;`,
  // The in-order guard skipped for tminus's own append (issue 8): a session that tminus's store opens sets
  // tminus.append = 'statement' at connection (the startup packet's options: no round trip), and
  // events_in_order runs for every other writer (psql, scripts, other tools), unchanged. The guard is not
  // needed for the append statement (postgres-store.ts, appendStatement: the only INSERT INTO events tminus
  // sends, for createRun, append and a step's result alike), which checks the order itself: it inserts seq
  // $2+1… with $2+1's prev_hash = $3 only if, in its snapshot, the run's last event is ($2, $3), or, at $2 = 0,
  // the run exists and has no event. Events are never deleted, renumbered or changed (events_no_update,
  // events_no_delete, events_no_truncate), so that event is still the one before at commit: no gap. A writer
  // that committed events after that snapshot made seq $2+1 taken: the events' primary key (run_id, seq)
  // refuses the second at that place (23505, nothing written; the statement is sent again and answers
  // 'moved'), whichever of the two writers came first and whether or not the other ran the guard. A run's row
  // is never deleted nor given another id (runs_no_delete, runs_no_truncate, runs_head_forward), so a run seen
  // to exist still exists at commit: what the guard's FOR KEY SHARE (migration 8's stand-in for the foreign
  // key) adds is not needed either. What is given up: a session that sets the setting itself is not guarded
  // (it is a guard against mistakes, not against a writer who means to go round it, who could as well drop
  // the trigger); audit verify finds what such a writer broke (a gap, a broken link, an unsealed event) and
  // names events_in_order if its WHEN condition was changed (PG_GUARD_CONDITIONS), and the primary key if dropped.
  `DROP TRIGGER events_in_order ON events;
   CREATE TRIGGER events_in_order BEFORE INSERT ON events FOR EACH ROW
     WHEN (current_setting('tminus.append', true) IS DISTINCT FROM 'statement')
     EXECUTE FUNCTION tminus_events_in_order();`,
];

/**
 * The session setting (a custom, dotted PostgreSQL parameter) that tminus's store connections set at
 * connection: events_in_order (migration 10) skips the append statement's rows, which check their order.
 */
export const PG_APPEND_SETTING = { name: 'tminus.append', value: 'statement' } as const;

/**
 * The triggers the journal's integrity depends on; `audit verify` reports any that are missing or disabled,
 * or whose WHEN condition is not the one tminus wrote (PG_GUARD_CONDITIONS).
 */
export const PG_JOURNAL_GUARDS = [
  'events_no_update',
  'events_no_delete',
  'events_in_order',
  'events_no_truncate',
  'runs_no_delete',
  'runs_no_truncate',
  'runs_head_forward',
  'journal_no_insert',
  'journal_no_delete',
  'journal_no_truncate',
  'journal_key_once',
] as const;

/**
 * The WHEN condition of each guard that has one, as migration 10 wrote it. Without a condition the guard is
 * stricter (it runs for tminus's appends too) and still counts; any other condition does not.
 */
export const PG_GUARD_CONDITIONS: Readonly<Partial<Record<(typeof PG_JOURNAL_GUARDS)[number], string>>> = {
  events_in_order: `current_setting('tminus.append', true) IS DISTINCT FROM 'statement'`,
};

/** A condition without what a server version may print differently: spaces, casts, parentheses. */
const bare = (condition: string) => condition.replace(/::\w+/g, '').replace(/[\s()]/g, '');

/**
 * Whether a trigger, as `pg_get_triggerdef` prints it, has no WHEN condition or the one PG_GUARD_CONDITIONS
 * gives for it.
 */
export function guardConditionKept(guard: string, triggerDef: string): boolean {
  const when = / WHEN \((.*)\) EXECUTE (?:FUNCTION|PROCEDURE) /s.exec(triggerDef);
  if (!when) return true;
  const expected = PG_GUARD_CONDITIONS[guard as keyof typeof PG_GUARD_CONDITIONS];
  return expected !== undefined && bare(when[1]!) === bare(expected);
}
