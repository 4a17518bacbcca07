import { Relation, type CompiledLifecycle } from '../lifecycle';
import { LifecycleError } from '../errors';
import { MAX_DETAIL_LENGTH } from '../internal/detail';

/** Where the store's two tables live. */
export interface TableNames {
  /** Schema-qualified, quoted status table. */
  readonly status: string;
  /** Schema-qualified, quoted transitions table. */
  readonly transition: string;
  /** Quoted name of the unique index on (message, provider event id). */
  readonly eventIndex: string;
  /** Quoted name of the partial index on the status table's pending deadlines. */
  readonly deadlineIndex: string;
  /** Schema-qualified, quoted name of the single-report function. */
  readonly applyFunction: string;
  /** Schema-qualified, quoted name of the batch function. */
  readonly batchFunction: string;
  /** Schema-qualified, quoted side-events table. */
  readonly sideEvent: string;
  /** The quoted schema, when one was given. */
  readonly schema: string | undefined;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,40}$/;

/** Quotes a lower-case identifier after checking it, so no name from options can inject SQL. */
function identifier(name: string, what: string): string {
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
    throw new LifecycleError('invalid_argument', `${what} must match ${IDENTIFIER}, got ${JSON.stringify(name)}`);
  }
  return `"${name}"`;
}

/** The table names for a schema and prefix (both validated). */
export function tableNames(schema: string | undefined, prefix: string): TableNames {
  if (prefix !== '') identifier(prefix, 'tablePrefix');
  const q = schema === undefined ? undefined : identifier(schema, 'schema');
  const qualify = (name: string) => (q === undefined ? identifier(name, 'table') : `${q}.${identifier(name, 'table')}`);
  return {
    status: qualify(`${prefix}status`),
    transition: qualify(`${prefix}transition`),
    eventIndex: identifier(`${prefix}transition_event`, 'index'),
    deadlineIndex: identifier(`${prefix}status_deadline`, 'index'),
    applyFunction: qualify(`${prefix}apply_timed`),
    batchFunction: qualify(`${prefix}apply_batch`),
    sideEvent: qualify(`${prefix}side_event`),
    schema: q,
  };
}

/**
 * A SQL string literal for any JS string, valid whatever
 * `standard_conforming_strings` says (the `E''` form with backslashes and
 * quotes doubled). Only compiled status and channel names go through it.
 */
export function literal(value: string): string {
  if (value.includes('\0')) throw new LifecycleError('invalid_definition', `a name contains a NUL character: ${JSON.stringify(value)}`);
  return `E'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/**
 * A PostgreSQL array literal (`{"a","b"}`), sent as a text parameter. Built
 * once per decision column, so a call does not re-serialise the same arrays.
 */
export function arrayLiteral(values: readonly (string | number)[]): string {
  return `{${values.map((v) => (typeof v === 'number' ? String(v) : `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)).join(',')}}`;
}

function textArray(values: readonly string[]): string {
  return values.length === 0 ? 'ARRAY[]::text[]' : `ARRAY[${values.map(literal).join(', ')}]::text[]`;
}

/**
 * The schema: one row per message (channel, status, per-status counts,
 * version = number of transitions recorded, when the status began, the
 * pending timer's deadline and the message's timer delays) and an
 * append-only transitions table (`timer` marks rows the channel's timer
 * made). The unique index on (message, provider event id) is what makes a
 * repeated provider event a no-op; NULL ids (implied and timer rows,
 * id-less reports) never collide. The partial index on `deadline` makes
 * finding due messages cheap. An advisory lock serialises concurrent
 * migrations. A store created before expiry existed is upgraded in place:
 * the new columns and index are added if missing and, the first time only,
 * `backfill` (see {@link backfillSql}) gives its timed rows their deadline.
 */
export function migrationSql(names: TableNames, lifecycles: readonly CompiledLifecycle[] = []): string {
  return migrationStatements(names, lifecycles).join(';\n');
}

/**
 * The migration as one statement: a `DO` block that runs each statement of
 * {@link migrationSql} with `EXECUTE`, in one transaction (so the advisory
 * lock holds to the end). It is what a client that offers only
 * `query(text, params)` runs, since a parameterised query takes one statement.
 */
export function migrationBlockSql(names: TableNames, lifecycles: readonly CompiledLifecycle[] = []): string {
  const statements = migrationStatements(names, lifecycles);
  for (const statement of statements) {
    if (statement.includes('$dl_step$') || statement.includes('$dl_migrate$')) throw new Error('delivery-lifecycle: a migration statement contains a reserved quote tag');
  }
  return `DO $dl_migrate$\nBEGIN\n${statements.map((st) => `EXECUTE $dl_step$${st}$dl_step$;`).join('\n')}\nEND\n$dl_migrate$`;
}

function migrationStatements(names: TableNames, lifecycles: readonly CompiledLifecycle[]): string[] {
  const { status: s, transition: t } = names;
  return [
    `SELECT pg_advisory_xact_lock(${lockKey(s)})`,
    ...(names.schema === undefined ? [] : [`CREATE SCHEMA IF NOT EXISTS ${names.schema}`]),
    `CREATE TABLE IF NOT EXISTS ${s} (
  message_id text PRIMARY KEY CHECK (message_id <> ''),
  channel text NOT NULL,
  status text NOT NULL,
  counts integer[] NOT NULL,
  version integer NOT NULL DEFAULT 0 CHECK (version >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
)`,
    `CREATE TABLE IF NOT EXISTS ${t} (
  message_id text NOT NULL,
  seq integer NOT NULL CHECK (seq > 0),
  from_status text NOT NULL,
  to_status text NOT NULL,
  implied boolean NOT NULL,
  event_id text,
  at timestamptz,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (message_id, seq)
)`,
    `CREATE UNIQUE INDEX IF NOT EXISTS ${names.eventIndex} ON ${t} (message_id, event_id)`,
    // Expiry. Added with ALTER so that a store created by an earlier version is upgraded;
    // the backfill runs only in the migration that adds the deadline column.
    `DO $delivery_lifecycle$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = ${literal(s)}::regclass AND attname = 'deadline' AND NOT attisdropped) THEN
    ALTER TABLE ${s} ADD COLUMN since timestamptz, ADD COLUMN deadline timestamptz, ADD COLUMN delays float8[];
    ${backfillSql(names, lifecycles)};
  END IF;
END
$delivery_lifecycle$`,
    `ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS timer boolean NOT NULL DEFAULT false`,
    // The delivery report: the provider's own words on each report, bounded, and the time a
    // message was registered as sent (its initial status's time; NULL when register was given no time).
    `ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS detail varchar(${MAX_DETAIL_LENGTH})`,
    `ALTER TABLE ${s} ADD COLUMN IF NOT EXISTS registered_at timestamptz`,
    `CREATE INDEX IF NOT EXISTS ${names.deadlineIndex} ON ${s} (deadline) WHERE deadline IS NOT NULL`,
    applyEventFunctionSql(names),
    applyBatchFunctionSql(names),
    // Side events (a spam complaint, an unsubscribe): kept once per provider event id, per message.
    `CREATE TABLE IF NOT EXISTS ${names.sideEvent} (
  message_id text NOT NULL,
  event_id text NOT NULL,
  provider text,
  kind varchar(${MAX_DETAIL_LENGTH}),
  detail varchar(${MAX_DETAIL_LENGTH}),
  at timestamptz,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (message_id, event_id)
)`,
  ];
}

/**
 * Gives rows written before expiry existed their `since` (the time of the
 * report that made the current status, else when it was recorded, else the
 * row's creation) and, for a status with a timer of a channel the store
 * knows, the deadline with the channel's default delays. Rows of channels
 * unknown to the migrating store keep no deadline.
 */
export function backfillSql(names: TableNames, lifecycles: readonly CompiledLifecycle[]): string {
  const { status: s, transition: t } = names;
  const timers = timerRows(lifecycles);
  const deadline =
    timers.length === 0
      ? 'NULL::timestamptz'
      : `(SELECT min(b.since + tm.delay_ms * interval '1 millisecond') FROM (VALUES ${timers.join(', ')}) AS tm(channel, idx, from_status, to_status, delay_ms, g)
          WHERE tm.channel = r.channel AND tm.from_status = r.status)`;
  return `UPDATE ${s} r SET since = b.since, deadline = ${deadline}
    FROM (SELECT r2.message_id, coalesce(
            (SELECT coalesce(h.at, h.recorded_at) FROM ${t} h
             WHERE h.message_id = r2.message_id AND h.from_status <> h.to_status ORDER BY h.seq DESC LIMIT 1),
            r2.created_at) AS since
          FROM ${s} r2) b
    WHERE b.message_id = r.message_id`;
}

/**
 * The timers of some channels as SQL rows `(channel, idx, from_status,
 * to_status, delay_ms, g)`: idx is the timer's 1-based position in
 * `CompiledLifecycle.timers` (and so in a row's `delays`), delay_ms the
 * machine's default delay (NULL when the machine fixes none), g the position
 * among all the rows (in the delays parameter of the batch statement).
 */
function timerRows(lifecycles: readonly CompiledLifecycle[]): string[] {
  let g = 0;
  return lifecycles.flatMap((l) =>
    l.timers.map(
      (tm, i) =>
        `(${literal(l.name)}, ${i + 1}, ${literal(l.statuses[tm.from])}, ${literal(l.statuses[tm.to])}, ${tm.delayMs === undefined ? 'NULL' : String(tm.delayMs)}::float8, ${++g})`,
    ),
  );
}

/** The timer table as a CTE, typed even when no channel has a timer. */
function timerTable(lifecycles: readonly CompiledLifecycle[]): string {
  const rows = timerRows(lifecycles);
  return rows.length > 0
    ? `timer(channel, idx, from_status, to_status, delay_ms, g) AS (VALUES\n  ${rows.join(',\n  ')})`
    : `timer(channel, idx, from_status, to_status, delay_ms, g) AS (SELECT NULL::text, NULL::int, NULL::text, NULL::text, NULL::float8, NULL::int WHERE false)`;
}

function lockKey(text: string): number {
  let h = 0x2545f491;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h | 0;
}

/**
 * Records a side event unless the message already has one with that
 * provider event id. $1 message id, $2 event id, $3 provider, $4 kind, $5
 * detail, $6 time (epoch ms). Returns how many rows it inserted (0 or 1).
 */
export function recordSideEventSql(names: TableNames): string {
  return `WITH ins AS (
  INSERT INTO ${names.sideEvent} (message_id, event_id, provider, kind, detail, at)
  VALUES ($1, $2, $3, $4, $5, CASE WHEN $6::float8 IS NULL THEN NULL ELSE to_timestamp($6::float8 / 1000.0) END)
  ON CONFLICT (message_id, event_id) DO NOTHING
  RETURNING 1
)
SELECT count(*)::int AS inserted FROM ins`;
}

/** Reads one message's side events, oldest recorded first. $1 message id. */
export function sideEventsSql(names: TableNames): string {
  return `SELECT event_id, provider, kind, detail, recorded_at,
  CASE WHEN at IS NULL THEN NULL ELSE (extract(epoch FROM at) * 1000)::float8 END AS at_ms
FROM ${names.sideEvent} WHERE message_id = $1 ORDER BY recorded_at, event_id`;
}

/** Reads one message's row. $1 message id. */
export function getSql(names: TableNames): string {
  return `SELECT message_id, channel, status, counts, version, updated_at,
  (extract(epoch FROM since) * 1000)::float8 AS since_ms, (extract(epoch FROM deadline) * 1000)::float8 AS deadline_ms
FROM ${names.status} WHERE message_id = $1`;
}

/** Reads one message's transitions in order. $1 message id. */
export function historySql(names: TableNames): string {
  return `SELECT seq, from_status, to_status, implied, event_id, timer, detail,
  CASE WHEN at IS NULL THEN NULL ELSE (extract(epoch FROM at) * 1000)::float8 END AS at_ms, recorded_at
FROM ${names.transition} WHERE message_id = $1 ORDER BY seq`;
}

/**
 * The decision table's column for one incoming status, as statement
 * parameters: the statuses from which it moves a message forward (`froms`),
 * and for each the statuses it implies, flattened (`implied`, sliced by
 * `offsets`: entry i is `implied[offsets[i] + 1 .. offsets[i + 1]]`, 1-based).
 * Strict keeps legal transitions only; tolerant adds skipped (early) reports.
 */
export interface DecisionColumn {
  readonly froms: readonly string[];
  readonly offsets: readonly number[];
  readonly implied: readonly string[];
}

export function decisionColumn(lifecycle: CompiledLifecycle, to: number, tolerant: boolean): DecisionColumn {
  const { size: n, statuses, relation, implied } = lifecycle;
  const froms: string[] = [];
  const offsets = [0];
  const flat: string[] = [];
  for (let from = 0; from < n; from++) {
    const rel = relation[from * n + to];
    if (rel !== Relation.legal && !(tolerant && rel === Relation.skipped)) continue;
    froms.push(statuses[from]);
    for (const id of implied[from * n + to]) flat.push(statuses[id]);
    offsets.push(flat.length);
  }
  return { froms, offsets, implied: flat };
}

/**
 * The single-report function, created by `migrate()`. It holds the mechanism
 * and no rules: the channel's decision column arrives with every call
 * ({@link decisionColumn}), so one function serves every channel. A function
 * call is one statement: atomic, one round trip. Procedural on purpose: it
 * runs only the writes a report needs, and PL/pgSQL keeps each statement's
 * plan for the session (its simple key lookups settle on the generic plan
 * after five calls without forcing it; a `SET plan_cache_mode` clause would
 * cost a settings save and restore on every call), where a prepared CTE
 * statement is planned per connection and status.
 *
 * Optimistic first: it reads the row without locking it and decides on what
 * it read. A report that changes nothing (late, duplicate, illegal: a large
 * share of webhook traffic) therefore writes nothing, takes no row lock and
 * needs no transaction id or commit flush; its result is the decision on the
 * row as of that read. A report that moves the message updates the row only
 * if its version is still the one read (every applied report raises the
 * version, so an unchanged version means an unchanged row, counts included).
 * If a concurrent writer got there first, the function decides again on the
 * row locked with `SELECT … FOR UPDATE`, in the same call; each statement in
 * the function takes a new snapshot, so that second look also sees a provider
 * id the other writer recorded. A new message is inserted with `ON CONFLICT
 * DO NOTHING`: if another session inserted it first (the insert waits for
 * that session to commit), nothing is written yet, and the function decides
 * again on the now stored row, locked, in the same call: no error, no
 * rolled-back work, no second round trip. The common applied report (one
 * legal step, no timer due) writes its row and its history row with one
 * data-modifying CTE, so the history row exists only if the row was written.
 *
 * It returns one text value, not a row: a function returning a row type
 * builds its tuple descriptor and a result set on every call, which cost
 * more than the decision itself. The first character says what happened
 * (`a` applied, `d` duplicate provider id, `n` nothing applies, `c` stored
 * under another channel) and the rest is the status decided on (for `c`,
 * the stored channel); {@link decodeApplyEvent} reads it.
 */
function applyEventFunctionSql(names: TableNames): string {
  const { status: s, transition: t } = names;
  return `CREATE OR REPLACE FUNCTION ${names.applyFunction}(
  p_message_id text, p_channel text, p_initial text, p_statuses text[],
  p_froms text[], p_offsets int[], p_implied text[], p_status text, p_event_id text, p_at_ms float8,
  p_timer_from text[], p_timer_to text[], p_delays float8[], p_now_ms float8, p_detail text)
RETURNS text
LANGUAGE plpgsql VOLATILE
AS $delivery_lifecycle$
#variable_conflict use_column
DECLARE
  v_channel text;
  v_status text;
  v_version int;
  v_counts int[];
  v_since timestamptz;
  v_deadline timestamptz;
  v_delays float8[];
  v_stored boolean;
  v_i int;
  v_k int;
  v_path text[];
  v_locked boolean := false;
  v_dup boolean;
  v_now timestamptz := to_timestamp(p_now_ms / 1000.0);
  v_fired text;
  v_fired_at timestamptz;
  v_to text;
  v_base int;
  v_result text;
BEGIN
<<attempt>>
LOOP
  IF v_locked THEN
    SELECT r.channel, r.status, r.version, r.counts, r.since, r.deadline, r.delays
    INTO v_channel, v_status, v_version, v_counts, v_since, v_deadline, v_delays
    FROM ${s} r WHERE r.message_id = p_message_id FOR UPDATE;
    v_stored := FOUND;
    v_dup := NULL;
  ELSE
    -- The row and the provider-id probe in one statement, one snapshot.
    SELECT r.channel, r.status, r.version, r.counts, r.since, r.deadline, r.delays,
           p_event_id IS NOT NULL AND EXISTS (SELECT 1 FROM ${t} h WHERE h.message_id = p_message_id AND h.event_id = p_event_id)
    INTO v_channel, v_status, v_version, v_counts, v_since, v_deadline, v_delays, v_dup
    FROM ${s} r WHERE r.message_id = p_message_id;
    v_stored := FOUND;
  END IF;
  IF v_stored AND v_channel <> p_channel THEN
    RETURN 'c' || v_channel;
  END IF;
  IF NOT v_stored THEN
    v_status := p_initial;
    v_version := 0;
    v_counts := array_fill(0, ARRAY[cardinality(p_statuses)]);
    v_since := v_now;
    v_delays := p_delays;
    SELECT min(v_now + v_delays[i] * interval '1 millisecond') INTO v_deadline
    FROM generate_subscripts(p_timer_from, 1) AS i WHERE p_timer_from[i] = p_initial;
  END IF;
  v_delays := coalesce(v_delays, p_delays);
  v_fired := NULL;
  IF v_deadline <= v_now THEN
    -- The status's timer is due by the store's clock: it fires before the report is decided, as in the tracker.
    SELECT p_timer_to[i] INTO v_to FROM generate_subscripts(p_timer_from, 1) AS i
    WHERE p_timer_from[i] = v_status ORDER BY v_delays[i], i LIMIT 1;
    IF v_to IS NOT NULL THEN
      v_fired := v_status;
      v_fired_at := v_deadline;
      v_status := v_to;
      v_k := array_position(p_statuses, v_to);
      v_counts[v_k] := v_counts[v_k] + 1;
      v_since := v_fired_at;
      SELECT min(v_since + v_delays[i] * interval '1 millisecond') INTO v_deadline
      FROM generate_subscripts(p_timer_from, 1) AS i WHERE p_timer_from[i] = v_to;
    END IF;
  END IF;
  IF v_dup IS NULL THEN
    -- A new message, or the row just locked: probe the provider id in a snapshot taken now.
    v_dup := p_event_id IS NOT NULL
             AND EXISTS (SELECT 1 FROM ${t} h WHERE h.message_id = p_message_id AND h.event_id = p_event_id);
  END IF;
  v_path := NULL;
  IF v_dup THEN
    v_result := 'd' || v_status;
  ELSE
    v_i := array_position(p_froms, v_status);
    IF v_i IS NULL THEN
      v_result := 'n' || v_status;
    ELSE
      v_result := 'a' || v_status;
      v_path := p_implied[p_offsets[v_i] + 1 : p_offsets[v_i + 1]] || p_status;
      FOR j IN 1 .. cardinality(v_path) LOOP
        v_k := array_position(p_statuses, v_path[j]);
        v_counts[v_k] := v_counts[v_k] + 1;
      END LOOP;
    END IF;
  END IF;
  IF v_path IS NULL AND v_fired IS NULL THEN
    -- Nothing to write: no row lock, no transaction id, no commit flush.
    RETURN v_result;
  END IF;
  v_base := v_version + (CASE WHEN v_fired IS NULL THEN 0 ELSE 1 END);
  IF v_path IS NOT NULL AND p_status <> v_status THEN
    -- The new status's deadline: the earliest of its timers (a loop over the few timers, not a query).
    v_since := coalesce(to_timestamp(p_at_ms / 1000.0), v_now);
    v_deadline := NULL;
    FOR j IN 1 .. cardinality(p_timer_from) LOOP
      IF p_timer_from[j] = p_status AND (v_deadline IS NULL OR v_since + v_delays[j] * interval '1 millisecond' < v_deadline) THEN
        v_deadline := v_since + v_delays[j] * interval '1 millisecond';
      END IF;
    END LOOP;
  END IF;
  IF v_fired IS NULL AND cardinality(v_path) = 1 THEN
    -- The common case, one legal step and no timer: the row and its history row in ONE statement (a
    -- data-modifying CTE), one executor run instead of two. The history row is written only if the
    -- row was (its version still the one read, or the new message not inserted by someone else first);
    -- otherwise nothing was written, and the row is decided again, locked.
    IF v_stored THEN
      WITH u AS (
        UPDATE ${s} r SET status = p_status, version = v_version + 1, counts = v_counts, updated_at = now(),
               since = v_since, deadline = v_deadline, delays = v_delays
        WHERE r.message_id = p_message_id AND r.version = v_version
        RETURNING 1)
      INSERT INTO ${t} (message_id, seq, from_status, to_status, implied, event_id, at, detail)
      SELECT p_message_id, v_version + 1, v_status, p_status, false, p_event_id,
             CASE WHEN p_at_ms IS NOT NULL THEN to_timestamp(p_at_ms / 1000.0) END, p_detail
      FROM u;
    ELSE
      WITH u AS (
        INSERT INTO ${s} (message_id, channel, status, counts, version, since, deadline, delays)
        VALUES (p_message_id, p_channel, p_status, v_counts, 1, v_since, v_deadline, v_delays)
        ON CONFLICT (message_id) DO NOTHING
        RETURNING 1)
      INSERT INTO ${t} (message_id, seq, from_status, to_status, implied, event_id, at, detail)
      SELECT p_message_id, 1, v_status, p_status, false, p_event_id,
             CASE WHEN p_at_ms IS NOT NULL THEN to_timestamp(p_at_ms / 1000.0) END, p_detail
      FROM u;
    END IF;
    IF NOT FOUND THEN
      v_locked := true;
      CONTINUE attempt;
    END IF;
    RETURN v_result;
  END IF;
  IF v_stored THEN
    UPDATE ${s} r SET status = CASE WHEN v_path IS NULL THEN v_status ELSE p_status END, version = v_base + coalesce(cardinality(v_path), 0),
           counts = v_counts, updated_at = now(), since = v_since, deadline = v_deadline, delays = v_delays
    WHERE r.message_id = p_message_id AND r.version = v_version;
    IF NOT FOUND THEN
      -- A concurrent writer (or a sweeper) moved the row after we read it: decide again on the locked row.
      v_locked := true;
      CONTINUE attempt;
    END IF;
  ELSE
    INSERT INTO ${s} (message_id, channel, status, counts, version, since, deadline, delays)
    VALUES (p_message_id, p_channel, p_status, v_counts, cardinality(v_path), v_since, v_deadline, v_delays)
    ON CONFLICT (message_id) DO NOTHING;
    IF NOT FOUND THEN
      -- Another session stored the message first (and committed: the insert waited for it). Nothing is
      -- written yet, so decide again on its row, locked, instead of failing the call.
      v_locked := true;
      CONTINUE attempt;
    END IF;
  END IF;
  IF v_fired IS NOT NULL THEN
    INSERT INTO ${t} (message_id, seq, from_status, to_status, implied, event_id, at, timer)
    VALUES (p_message_id, v_version + 1, v_fired, v_status, false, NULL, v_fired_at, true);
  END IF;
  IF v_path IS NULL THEN
    NULL;
  ELSIF cardinality(v_path) = 1 THEN
    -- The common case, a legal step: one history row.
    INSERT INTO ${t} (message_id, seq, from_status, to_status, implied, event_id, at, detail)
    VALUES (p_message_id, v_base + 1, v_status, p_status, false, p_event_id,
            CASE WHEN p_at_ms IS NOT NULL THEN to_timestamp(p_at_ms / 1000.0) END, p_detail);
  ELSE
    INSERT INTO ${t} (message_id, seq, from_status, to_status, implied, event_id, at, detail)
    SELECT p_message_id, v_base + p.j::int, CASE WHEN p.j = 1 THEN v_status ELSE v_path[p.j - 1] END, p.s,
           p.j < cardinality(v_path),
           CASE WHEN p.j = cardinality(v_path) THEN p_event_id END,
           CASE WHEN p.j = cardinality(v_path) AND p_at_ms IS NOT NULL THEN to_timestamp(p_at_ms / 1000.0) END,
           CASE WHEN p.j = cardinality(v_path) THEN p_detail END
    FROM unnest(v_path) WITH ORDINALITY AS p(s, j);
  END IF;
  RETURN v_result;
END LOOP;
END
$delivery_lifecycle$`;
}

/**
 * The batch function behind `applyMany`, created by `migrate()`. Like the
 * single-report function it holds the mechanism and no rules: the decision
 * tables of the batch's channels arrive as parameters (see
 * {@link batchTables}), so one function serves every channel. One call is
 * one statement: one round trip, atomic (all or nothing).
 *
 * 1. Numbers the batch's distinct messages in message-id order and, per
 *    item, finds the previous item with the same provider event id.
 * 2. Locks every message of the batch in message-id order, in one
 *    statement (`INSERT … ON CONFLICT DO UPDATE … WHERE false`): a stored
 *    row is locked without being changed, a new message gets a placeholder
 *    row (channel `''`) that only this transaction sees. A message another
 *    writer is inserting is waited for, then locked, in the same order: two
 *    batches never wait on each other in a cycle, and no unique violation
 *    is left to retry.
 * 3. Probes the history for the items' provider ids, in a snapshot taken
 *    after the locks: an id a concurrent writer recorded is seen.
 * 4. Folds the items in input order in PL/pgSQL over arrays: per item, a
 *    timer due by the clock fires first (as `apply` does); a provider id
 *    already recorded, or decided earlier in the batch, is a duplicate; a
 *    message stored (or created earlier in the batch) under another channel
 *    gives that item a `c` answer and changes nothing; otherwise the decision
 *    table decides, and an applied report adds its implied and own rows.
 * 5. Writes every changed row (stored or placeholder) with one UPDATE and
 *    every history row with one INSERT, all from arrays, and deletes the
 *    placeholders of new messages nothing applied to (usually none), so a
 *    message nothing applied to stays unstored, as with `apply`.
 *
 * Returns one text per item, in input order, coded as the single-report
 * function's ({@link decodeApplyEvent}). (Before the placeholders, a new
 * message another writer inserted meanwhile failed the call on the primary
 * key and the client re-sent it: with 16 clients sharing new messages, more
 * than one retry per batch of 100.)
 */
function applyBatchFunctionSql(names: TableNames): string {
  const { status: s, transition: t } = names;
  return `CREATE OR REPLACE FUNCTION ${names.batchFunction}(
  p_mid text[], p_ch int[], p_to int[], p_ev text[], p_at float8[], p_detail text[],
  p_tolerant boolean, p_now_ms float8,
  p_ch_names text[], p_ch_n int[], p_ch_sbase int[], p_ch_init int[], p_ch_rbase int[], p_ch_tbase int[], p_ch_tn int[],
  p_st text[], p_rel int[], p_imp_start int[], p_imp_len int[], p_imp int[],
  p_tm_from int[], p_tm_to int[], p_delays float8[])
RETURNS text[]
LANGUAGE plpgsql VOLATILE
AS $delivery_lifecycle$
DECLARE
  v_now timestamptz := to_timestamp(p_now_ms / 1000.0);
  n_items int := cardinality(p_mid);
  v_mids text[];
  v_gone text[];
  v_slot int[];
  v_prev int[];
  v_known boolean[];
  v_decided boolean[];
  v_res text[];
  -- per slot (distinct message, in message-id order)
  s_ch int[];          -- channel index; 0 not stored; -1 stored under a channel outside the batch
  s_chname text[];
  s_stored boolean[];  -- the row existed before the batch
  s_dirty boolean[];
  s_status int[];      -- local status id, 1-based
  s_ver int[];
  s_cbase int[];
  s_dbase int[];
  s_since timestamptz[];
  s_deadline timestamptz[];
  v_counts int[] := ARRAY[]::int[];
  v_delays float8[] := ARRAY[]::float8[];
  -- history rows
  h_mid text[] := ARRAY[]::text[];
  h_seq int[] := ARRAY[]::int[];
  h_from text[] := ARRAY[]::text[];
  h_to text[] := ARRAY[]::text[];
  h_implied boolean[] := ARRAY[]::boolean[];
  h_ev text[] := ARRAY[]::text[];
  h_at timestamptz[] := ARRAY[]::timestamptz[];
  h_timer boolean[] := ARRAY[]::boolean[];
  h_detail text[] := ARRAY[]::text[];
  nh int := 0;
  n_slots int;
  r record;
  i int; j int; k int; sl int; c int; n int; sb int; st int; fresh boolean; cb int; db int; tb int; tn int;
  v_best int; v_to int; v_rel int; v_dup boolean; v_at timestamptz; v_len int; v_start int; v_from int;
BEGIN
  SELECT array_agg(x.m ORDER BY x.m) INTO v_mids FROM (SELECT DISTINCT u.m FROM unnest(p_mid) AS u(m)) x;
  n_slots := cardinality(v_mids);
  SELECT array_agg(x.r ORDER BY x.o), array_agg(x.prev ORDER BY x.o) INTO v_slot, v_prev
  FROM (SELECT u.o, dense_rank() OVER (ORDER BY u.m)::int AS r,
               CASE WHEN u.ev IS NULL THEN NULL ELSE lag(u.o) OVER (PARTITION BY u.m, u.ev ORDER BY u.o) END::int AS prev
        FROM unnest(p_mid, p_ev) WITH ORDINALITY AS u(m, ev, o)) x;
  s_ch := array_fill(0, ARRAY[n_slots]);
  s_chname := array_fill(NULL::text, ARRAY[n_slots]);
  s_stored := array_fill(false, ARRAY[n_slots]);
  s_dirty := array_fill(false, ARRAY[n_slots]);
  s_status := array_fill(0, ARRAY[n_slots]);
  s_ver := array_fill(0, ARRAY[n_slots]);
  s_cbase := array_fill(0, ARRAY[n_slots]);
  s_dbase := array_fill(0, ARRAY[n_slots]);
  s_since := array_fill(NULL::timestamptz, ARRAY[n_slots]);
  s_deadline := array_fill(NULL::timestamptz, ARRAY[n_slots]);
  -- Lock every message of the batch in message-id order, in one statement: a stored row is locked as
  -- ON CONFLICT DO UPDATE locks it (WHERE false: not updated), a new message gets a placeholder row
  -- (channel '', never committed: filled in or deleted below). A message another writer is inserting
  -- is waited for and then locked, in the same order, so there is no unique violation to retry and
  -- no lock cycle between batches.
  INSERT INTO ${s} AS x (message_id, channel, status, counts, version)
  SELECT u.m, '', '', ARRAY[]::int[], 0 FROM unnest(v_mids) AS u(m) ORDER BY u.m
  ON CONFLICT (message_id) DO UPDATE SET version = x.version WHERE false;
  FOR r IN
    SELECT u.i::int AS i, x.channel, x.status, x.version, x.counts, x.since, x.deadline, x.delays
    FROM unnest(v_mids) WITH ORDINALITY AS u(m, i) JOIN ${s} x ON x.message_id = u.m
    WHERE x.channel <> ''
  LOOP
    s_stored[r.i] := true;
    c := array_position(p_ch_names, r.channel);
    IF c IS NULL THEN
      s_ch[r.i] := -1;
      s_chname[r.i] := r.channel;
      CONTINUE;
    END IF;
    s_ch[r.i] := c;
    s_chname[r.i] := r.channel;
    n := p_ch_n[c];
    sb := p_ch_sbase[c];
    s_status[r.i] := array_position(p_st[sb + 1 : sb + n], r.status);
    s_ver[r.i] := r.version;
    s_cbase[r.i] := cardinality(v_counts);
    v_counts := v_counts || r.counts;
    s_dbase[r.i] := cardinality(v_delays);
    tb := p_ch_tbase[c];
    v_delays := v_delays || coalesce(r.delays, p_delays[tb + 1 : tb + p_ch_tn[c]]);
    s_since[r.i] := r.since;
    s_deadline[r.i] := r.deadline;
  END LOOP;
  v_known := array_fill(false, ARRAY[n_items]);
  FOR i IN
    SELECT u.o::int FROM unnest(p_mid, p_ev) WITH ORDINALITY AS u(m, ev, o)
    WHERE u.ev IS NOT NULL AND EXISTS (SELECT 1 FROM ${t} h WHERE h.message_id = u.m AND h.event_id = u.ev)
  LOOP
    v_known[i] := true;
  END LOOP;
  v_decided := array_fill(false, ARRAY[n_items]);
  v_res := array_fill(NULL::text, ARRAY[n_items]);
  FOR i IN 1 .. n_items LOOP
    sl := v_slot[i];
    c := p_ch[i];
    IF s_ch[sl] <> 0 AND s_ch[sl] <> c THEN
      v_res[i] := 'c' || s_chname[sl];
      CONTINUE;
    END IF;
    n := p_ch_n[c];
    sb := p_ch_sbase[c];
    tb := p_ch_tbase[c];
    tn := p_ch_tn[c];
    fresh := s_ch[sl] = 0;
    IF fresh THEN
      -- Not stored (yet): the channel's initial status, as a first apply finds it.
      s_status[sl] := p_ch_init[c];
      s_ver[sl] := 0;
      s_cbase[sl] := cardinality(v_counts);
      v_counts := v_counts || array_fill(0, ARRAY[n]);
      s_dbase[sl] := cardinality(v_delays);
      v_delays := v_delays || p_delays[tb + 1 : tb + tn];
      s_since[sl] := v_now;
      s_deadline[sl] := NULL;
      FOR k IN 1 .. tn LOOP
        IF p_tm_from[tb + k] = s_status[sl] AND (s_deadline[sl] IS NULL OR v_now + v_delays[s_dbase[sl] + k] * interval '1 millisecond' < s_deadline[sl]) THEN
          s_deadline[sl] := v_now + v_delays[s_dbase[sl] + k] * interval '1 millisecond';
        END IF;
      END LOOP;
    END IF;
    cb := s_cbase[sl];
    db := s_dbase[sl];
    st := s_status[sl];
    IF s_deadline[sl] <= v_now THEN
      -- The status's timer is due by the clock: the earliest one fires before the report is decided.
      v_best := NULL;
      FOR k IN 1 .. tn LOOP
        IF p_tm_from[tb + k] = st AND (v_best IS NULL OR v_delays[db + k] < v_delays[db + v_best]) THEN
          v_best := k;
        END IF;
      END LOOP;
      IF v_best IS NOT NULL THEN
        v_to := p_tm_to[tb + v_best];
        nh := nh + 1;
        s_ver[sl] := s_ver[sl] + 1;
        h_mid[nh] := p_mid[i]; h_seq[nh] := s_ver[sl]; h_from[nh] := p_st[sb + st]; h_to[nh] := p_st[sb + v_to];
        h_implied[nh] := false; h_ev[nh] := NULL; h_at[nh] := s_deadline[sl]; h_timer[nh] := true; h_detail[nh] := NULL;
        v_counts[cb + v_to] := v_counts[cb + v_to] + 1;
        s_since[sl] := s_deadline[sl];
        st := v_to;
        s_status[sl] := st;
        s_deadline[sl] := NULL;
        FOR k IN 1 .. tn LOOP
          IF p_tm_from[tb + k] = st AND (s_deadline[sl] IS NULL OR s_since[sl] + v_delays[db + k] * interval '1 millisecond' < s_deadline[sl]) THEN
            s_deadline[sl] := s_since[sl] + v_delays[db + k] * interval '1 millisecond';
          END IF;
        END LOOP;
        s_dirty[sl] := true;
      END IF;
    END IF;
    v_dup := v_known[i];
    j := v_prev[i];
    WHILE NOT v_dup AND j IS NOT NULL LOOP
      v_dup := v_decided[j];
      j := v_prev[j];
    END LOOP;
    v_decided[i] := true;
    IF v_dup THEN
      v_res[i] := 'd' || p_st[sb + st];
    ELSE
      v_to := p_to[i];
      v_rel := CASE WHEN v_to IS NULL THEN 0 ELSE p_rel[p_ch_rbase[c] + (st - 1) * n + v_to] END;
      IF v_rel = 1 OR (v_rel = 2 AND p_tolerant) THEN
        v_res[i] := 'a' || p_st[sb + st];
        v_start := p_imp_start[p_ch_rbase[c] + (st - 1) * n + v_to];
        v_len := p_imp_len[p_ch_rbase[c] + (st - 1) * n + v_to];
        v_from := st;
        v_at := CASE WHEN p_at[i] IS NULL THEN NULL ELSE to_timestamp(p_at[i] / 1000.0) END;
        FOR k IN 1 .. v_len + 1 LOOP
          j := CASE WHEN k <= v_len THEN p_imp[v_start + k] ELSE v_to END;
          nh := nh + 1;
          s_ver[sl] := s_ver[sl] + 1;
          h_mid[nh] := p_mid[i]; h_seq[nh] := s_ver[sl]; h_from[nh] := p_st[sb + v_from]; h_to[nh] := p_st[sb + j];
          h_implied[nh] := k <= v_len; h_timer[nh] := false;
          IF k <= v_len THEN
            h_ev[nh] := NULL; h_at[nh] := NULL; h_detail[nh] := NULL;
          ELSE
            h_ev[nh] := p_ev[i]; h_at[nh] := v_at; h_detail[nh] := p_detail[i];
          END IF;
          v_counts[cb + j] := v_counts[cb + j] + 1;
          v_from := j;
        END LOOP;
        IF v_to <> st THEN
          s_since[sl] := coalesce(v_at, v_now);
          s_deadline[sl] := NULL;
          FOR k IN 1 .. tn LOOP
            IF p_tm_from[tb + k] = v_to AND (s_deadline[sl] IS NULL OR s_since[sl] + v_delays[db + k] * interval '1 millisecond' < s_deadline[sl]) THEN
              s_deadline[sl] := s_since[sl] + v_delays[db + k] * interval '1 millisecond';
            END IF;
          END LOOP;
        END IF;
        s_status[sl] := v_to;
        s_dirty[sl] := true;
      ELSE
        v_res[i] := 'n' || p_st[sb + st];
      END IF;
    END IF;
    IF fresh AND s_dirty[sl] THEN
      s_ch[sl] := c;
      s_chname[sl] := p_ch_names[c];
    END IF;
  END LOOP;
  -- Every changed row, stored or new (its placeholder), with one UPDATE; the placeholders of new
  -- messages nothing applied to are removed, so they are never seen.
  UPDATE ${s} x
  SET channel = u.channel, status = u.status, version = u.ver, counts = v_counts[u.cb + 1 : u.cb + u.n], updated_at = now(),
      since = u.since, deadline = u.deadline, delays = v_delays[u.db + 1 : u.db + u.tn]
  FROM (SELECT v_mids[q] AS m, p_ch_names[s_ch[q]] AS channel, p_st[p_ch_sbase[s_ch[q]] + s_status[q]] AS status, s_ver[q] AS ver,
               s_cbase[q] AS cb, p_ch_n[s_ch[q]] AS n, s_dbase[q] AS db, p_ch_tn[s_ch[q]] AS tn, s_since[q] AS since, s_deadline[q] AS deadline
        FROM generate_series(1, n_slots) AS q WHERE s_dirty[q]) u
  WHERE x.message_id = u.m;
  v_gone := ARRAY(SELECT v_mids[q] FROM generate_series(1, n_slots) AS q WHERE NOT s_stored[q] AND NOT s_dirty[q]);
  IF cardinality(v_gone) > 0 THEN
    DELETE FROM ${s} x WHERE x.message_id = ANY (v_gone);
  END IF;
  IF nh > 0 THEN
    INSERT INTO ${t} (message_id, seq, from_status, to_status, implied, event_id, at, timer, detail)
    SELECT * FROM unnest(h_mid, h_seq, h_from, h_to, h_implied, h_ev, h_at, h_timer, h_detail);
  END IF;
  RETURN v_res;
END
$delivery_lifecycle$`;
}

/**
 * Calls the batch function; the parameters are {@link applyBatchFunctionSql}'s, in order.
 *
 * @example
 * callApplyBatchSql(tableNames(undefined, 'delivery_')) // 'SELECT "delivery_apply_batch"($1, …, $23) AS r'
 */
export function callApplyBatchSql(names: TableNames): string {
  return `SELECT ${names.batchFunction}(${Array.from({ length: 23 }, (_, i) => `$${i + 1}`).join(', ')}) AS r`;
}

/**
 * The decision tables of some channels, flattened for the batch function:
 * per channel (1-based, in the given order) its status count, offsets into
 * the flat status list, the relation matrix (0 nothing applies, 1 legal, 2
 * skipped, by (from - 1) * n + to, 1-based local ids), the implied path of
 * every pair (start and length in the flat implied list), and its timers
 * (from and to as local ids, offset and count).
 */
export interface BatchTables {
  readonly names: string[];
  readonly n: number[];
  readonly sbase: number[];
  readonly init: number[];
  readonly rbase: number[];
  readonly tbase: number[];
  readonly tn: number[];
  readonly statuses: string[];
  readonly rel: number[];
  readonly impStart: number[];
  readonly impLen: number[];
  readonly imp: number[];
  readonly timerFrom: number[];
  readonly timerTo: number[];
}

/**
 * Flattens the decision tables of `lifecycles` (in the given order, channel i
 * being index i + 1 in the batch function) into {@link BatchTables}.
 *
 * @example
 * batchTables([lifecycleOf('email'), lifecycleOf('sms')]).names // ['email', 'sms']
 */
export function batchTables(lifecycles: readonly CompiledLifecycle[]): BatchTables {
  const out: BatchTables = { names: [], n: [], sbase: [], init: [], rbase: [], tbase: [], tn: [], statuses: [], rel: [], impStart: [], impLen: [], imp: [], timerFrom: [], timerTo: [] };
  for (const l of lifecycles) {
    const { size: n, statuses, relation, implied } = l;
    out.names.push(l.name);
    out.n.push(n);
    out.sbase.push(out.statuses.length);
    out.init.push(l.initial + 1);
    out.rbase.push(out.rel.length);
    out.tbase.push(out.timerFrom.length);
    out.tn.push(l.timers.length);
    out.statuses.push(...statuses);
    for (let from = 0; from < n; from++) {
      for (let to = 0; to < n; to++) {
        const rel = relation[from * n + to];
        out.rel.push(rel === Relation.legal ? 1 : rel === Relation.skipped ? 2 : 0);
        const path = rel === Relation.legal || rel === Relation.skipped ? implied[from * n + to] : [];
        out.impStart.push(out.imp.length);
        out.impLen.push(path.length);
        out.imp.push(...path.map((id) => id + 1));
      }
    }
    for (const tm of l.timers) {
      out.timerFrom.push(tm.from + 1);
      out.timerTo.push(tm.to + 1);
    }
  }
  return out;
}

/**
 * Calls the single-report function. $1 message id, $2 channel, $3 initial
 * status, $4 the channel's statuses in order (for the counts), $5-$7 the
 * decision column, $8 the incoming status (NULL when it is not the
 * channel's), $9 provider event id, $10 time (epoch ms), $11-$12 the
 * channel's timers (from and to status, in `CompiledLifecycle.timers` order),
 * $13 their delays in ms (for a message this call records), $14 the store's
 * clock (epoch ms), $15 the provider's detail.
 */
export function callApplyOneSql(names: TableNames): string {
  return `SELECT ${names.applyFunction}($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) AS r`;
}

/** The single-report function's text result as the shape of the apply result rows. */
export function decodeApplyEvent(row: Record<string, unknown>): Record<string, unknown> {
  const r = row.r;
  if (typeof r !== 'string' || r.length < 2 || !'adnc'.includes(r[0])) {
    throw new Error(`delivery-lifecycle: unexpected result from the apply function: ${JSON.stringify(r)}`);
  }
  const rest = r.slice(1);
  if (r[0] === 'c') return { from_status: null, dup: false, applied: false, stored_channel: rest };
  return { from_status: rest, dup: r[0] === 'd', applied: r[0] === 'a', stored_channel: null };
}

/**
 * The sweep: one statement that fires the due timer of every message whose
 * deadline is at or before the clock, for the given channels. $1 the clock
 * (epoch ms), $2 the most messages to move (NULL: all). It
 *
 * 1. picks the due rows through the partial deadline index, earliest first,
 *    locking each (`FOR UPDATE SKIP LOCKED`): a row another sweeper or an
 *    `apply` holds is left to them, and a row changed and committed since the
 *    statement began is re-read and re-checked against the condition before it
 *    is taken (PostgreSQL re-evaluates the WHERE clause on the newest version);
 * 2. moves each to its timer's status (the earliest of the status's timers,
 *    as the tracker picks it), re-checking under the lock that the version and
 *    the deadline are still the ones picked; `since` becomes the deadline and
 *    the new status's own timer, if any, gets its deadline from there;
 * 3. appends one history row per message, `timer = true`, `at` = the deadline.
 *
 * A row whose deadline is due but whose status has no timer of the channel
 * (written by a writer that does not keep deadlines) only has its deadline
 * cleared. Returns the moved message ids, earliest deadline first.
 */
export function expireDueSql(names: TableNames, lifecycles: readonly CompiledLifecycle[]): string {
  const { status: s, transition: t } = names;
  const channelRows = lifecycles.map((l) => `(${literal(l.name)}, ${textArray(l.statuses)})`);
  return `WITH
lifecycle(channel, statuses) AS (VALUES
  ${channelRows.join(',\n  ')}),
${timerTable(lifecycles)},
clock(now) AS (SELECT to_timestamp($1::float8 / 1000.0)),
due AS (
  SELECT r.message_id, r.channel, r.status, r.version, r.deadline, r.delays
  FROM ${s} r
  WHERE r.deadline <= (SELECT now FROM clock) AND r.channel IN (SELECT channel FROM lifecycle)
  ORDER BY r.deadline
  LIMIT $2::int
  FOR UPDATE OF r SKIP LOCKED
),
fire AS (
  SELECT d.message_id, d.status, d.version, d.deadline, d.delays, w.to_status,
         array_position(l.statuses, w.to_status) AS pos,
         (SELECT min(d.deadline + d.delays[tn.idx] * interval '1 millisecond')
          FROM timer tn WHERE tn.channel = d.channel AND tn.from_status = w.to_status) AS next_deadline
  FROM (SELECT u.message_id, u.channel, u.status, u.version, u.deadline,
               coalesce(u.delays, ARRAY(SELECT tm.delay_ms FROM timer tm WHERE tm.channel = u.channel ORDER BY tm.idx)) AS delays
        FROM due u) d
  JOIN lifecycle l ON l.channel = d.channel
  CROSS JOIN LATERAL (
    SELECT (SELECT tm.to_status FROM timer tm WHERE tm.channel = d.channel AND tm.from_status = d.status
            ORDER BY d.delays[tm.idx], tm.idx LIMIT 1) AS to_status) w
),
moved AS (
  UPDATE ${s} r
  SET status = coalesce(x.to_status, r.status),
      version = r.version + (CASE WHEN x.to_status IS NULL THEN 0 ELSE 1 END),
      since = CASE WHEN x.to_status IS NULL THEN r.since ELSE r.deadline END,
      deadline = x.next_deadline,
      delays = x.delays,
      counts = CASE WHEN x.to_status IS NULL THEN r.counts
                    ELSE r.counts[:x.pos - 1] || (r.counts[x.pos] + 1) || r.counts[x.pos + 1:] END,
      updated_at = now()
  FROM fire x
  WHERE r.message_id = x.message_id AND r.version = x.version AND r.deadline = x.deadline
    AND r.deadline <= (SELECT now FROM clock)
  RETURNING r.message_id, r.version AS seq, x.status AS from_status, x.to_status, x.deadline AS at
),
rec AS (
  INSERT INTO ${t} (message_id, seq, from_status, to_status, implied, event_id, at, timer)
  SELECT message_id, seq, from_status, to_status, false, NULL, at, true FROM moved WHERE to_status IS NOT NULL
)
SELECT message_id FROM moved WHERE to_status IS NOT NULL ORDER BY at, message_id`;
}

/**
 * Records a message at its channel's initial status unless it is already
 * stored. $1 message id, $2 channel, $3 initial status, $4 zero counts, $5
 * since (epoch ms), $6 the initial status's deadline (epoch ms, NULL when it
 * has no timer), $7 the message's timer delays. Returns whether it inserted
 * and the stored channel.
 */
export function registerSql(names: TableNames): string {
  const s = names.status;
  return `WITH ins AS (
  INSERT INTO ${s} (message_id, channel, status, counts, version, since, deadline, delays, registered_at)
  VALUES ($1, $2, $3, $4::int[], 0, to_timestamp($5::float8 / 1000.0),
          CASE WHEN $6::float8 IS NULL THEN NULL ELSE to_timestamp($6::float8 / 1000.0) END, $7::float8[],
          CASE WHEN $8::float8 IS NULL THEN NULL ELSE to_timestamp($8::float8 / 1000.0) END)
  ON CONFLICT (message_id) DO NOTHING
  RETURNING channel
)
SELECT (SELECT count(*) FROM ins)::int AS inserted, coalesce((SELECT channel FROM ins), (SELECT channel FROM ${s} WHERE message_id = $1)) AS channel`;
}
