import { Relation, type CompiledLifecycle } from '../compile';
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
  ].join(';\n');
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
 * The rows of the decision table for some channels, generated from the
 * compiled tables: one row per pair (from, to) that may move a message
 * forward, i.e. a legal transition or a skipped (early) report, with the path
 * it records (implied statuses, then `to`). Every other pair is absent and so
 * never writes.
 */
function stepRows(lifecycles: readonly CompiledLifecycle[]): string[] {
  const rows: string[] = [];
  for (const lifecycle of lifecycles) {
    const { size: n, statuses, relation, implied } = lifecycle;
    for (let from = 0; from < n; from++) {
      for (let to = 0; to < n; to++) {
        const rel = relation[from * n + to];
        if (rel !== Relation.legal && rel !== Relation.skipped) continue;
        const path = [...implied[from * n + to].map((id) => statuses[id]), statuses[to]];
        rows.push(
          `(${literal(lifecycle.name)}, ${literal(statuses[from])}, ${literal(statuses[to])}, ${rel === Relation.skipped}, ${textArray(path)})`,
        );
      }
    }
  }
  return rows;
}

/**
 * The one statement behind `applyMany`. Parameters: $1 message ids, $2
 * channel names, $3 statuses, $4 provider event ids, $5 event times (epoch
 * ms), all arrays in arrival order, $6 true for the tolerant policy, $7 the
 * store's clock (epoch ms), $8 the delays (ms) of every timer of the
 * statement's channels, in the order of the generated timer table (used for
 * messages recorded by this statement). In one statement it
 *
 * 1. locks the batch's existing rows (`FOR UPDATE`, in message-id order, so
 *    concurrent batches cannot deadlock on them) and reads their latest
 *    committed version;
 * 2. folds each message's events in order over the decision table (a
 *    recursive CTE): before each event, a timer whose deadline is at or
 *    before $7 fires (one per event, as the tracker does); duplicate provider
 *    ids (earlier in the batch, or already in the history) and pairs without
 *    a step row change nothing; a status change sets `since` (the report's
 *    time, else $7) and the new status's deadline;
 * 3. unless a stored row belongs to another channel, updates the moved rows,
 *    inserts the new ones (a plain INSERT: losing a first-insert race raises
 *    a unique violation, the whole statement rolls back and the caller
 *    retries) and appends the history, timer and implied rows included;
 * 4. returns, per event, the status it met (after any timer) and whether it
 *    was a duplicate id, from which the caller rebuilds the exact
 *    `applyStatus` result.
 *
 * A provider id committed by a concurrent writer after this statement's
 * snapshot is caught by the unique index (unique violation → retry), so an
 * event is never recorded twice.
 */
export function applySql(names: TableNames, lifecycles: readonly CompiledLifecycle[]): string {
  const { status: s, transition: t } = names;
  const channelRows = lifecycles.map(
    (l) => `(${literal(l.name)}, ${literal(l.statuses[l.initial])}, ${textArray(l.statuses)})`,
  );
  const steps = stepRows(lifecycles);
  const stepTable =
    steps.length > 0
      ? `step(channel, from_status, to_status, skipped, path) AS (VALUES\n  ${steps.join(',\n  ')})`
      : `step(channel, from_status, to_status, skipped, path) AS (SELECT NULL::text, NULL::text, NULL::text, NULL::boolean, NULL::text[] WHERE false)`;
  return `WITH RECURSIVE
lifecycle(channel, initial, statuses) AS (VALUES
  ${channelRows.join(',\n  ')}),
${stepTable},
${timerTable(lifecycles)},
clock(now) AS (SELECT to_timestamp($7::float8 / 1000.0)),
ev AS (
  SELECT e.message_id, e.channel, e.status, e.event_id, e.ord, e.detail,
         CASE WHEN e.at_ms IS NULL THEN NULL ELSE to_timestamp(e.at_ms / 1000.0) END AS at,
         row_number() OVER (PARTITION BY e.message_id ORDER BY e.ord) AS k,
         e.event_id IS NOT NULL AND EXISTS (
           SELECT 1 FROM ${t} h WHERE h.message_id = e.message_id AND h.event_id = e.event_id) AS known
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $9::text[])
       WITH ORDINALITY AS e(message_id, channel, status, event_id, at_ms, detail, ord)
),
cur AS (
  SELECT r.message_id, r.channel, r.status, r.version, r.since, r.deadline, r.delays
  FROM ${s} r WHERE r.message_id = ANY ($1::text[])
  ORDER BY r.message_id FOR UPDATE
),
start AS (
  SELECT m.message_id, m.channel, c.channel AS stored_channel, c.message_id IS NOT NULL AS stored,
         coalesce(c.status, l.initial) AS status, coalesce(c.version, 0) AS version, l.statuses,
         CASE WHEN c.message_id IS NULL THEN k.now ELSE c.since END AS since,
         CASE WHEN c.message_id IS NULL
              THEN (SELECT min(k.now + ($8::float8[])[tm.g] * interval '1 millisecond') FROM timer tm
                    WHERE tm.channel = m.channel AND tm.from_status = l.initial)
              ELSE c.deadline END AS deadline,
         coalesce(c.delays, ARRAY(SELECT ($8::float8[])[tm.g] FROM timer tm WHERE tm.channel = m.channel ORDER BY tm.idx)) AS delays
  FROM (SELECT DISTINCT message_id, channel FROM ev) m
  JOIN lifecycle l ON l.channel = m.channel
  CROSS JOIN clock k
  LEFT JOIN cur c ON c.message_id = m.message_id
),
bad AS (SELECT 1 FROM start WHERE stored AND stored_channel <> channel),
fold(message_id, k, status, seen, from_status, dup, path, fired, fired_at, since, deadline, delays) AS (
  SELECT message_id, 0::bigint, status, ARRAY[]::text[], NULL::text, false, NULL::text[], NULL::text, NULL::timestamptz,
         since, deadline, delays FROM start
  UNION ALL
  SELECT f.message_id, e.k, coalesce(d.path[cardinality(d.path)], x.status),
         CASE WHEN e.event_id IS NULL THEN f.seen ELSE f.seen || e.event_id END,
         x.status, z.dup, d.path, x.fired, x.fired_at,
         CASE WHEN d.path[cardinality(d.path)] <> x.status THEN coalesce(e.at, k.now) ELSE x.since END,
         CASE WHEN d.path[cardinality(d.path)] <> x.status
              THEN (SELECT min(coalesce(e.at, k.now) + f.delays[tm.idx] * interval '1 millisecond') FROM timer tm
                    WHERE tm.channel = e.channel AND tm.from_status = d.path[cardinality(d.path)])
              ELSE x.deadline END,
         f.delays
  FROM fold f
  JOIN ev e ON e.message_id = f.message_id AND e.k = f.k + 1
  CROSS JOIN clock k
  -- The timer due by the clock fires before the event is decided (the earliest one, as the tracker picks it).
  CROSS JOIN LATERAL (
    SELECT coalesce(w.to_status, f.status) AS status,
           CASE WHEN w.to_status IS NOT NULL THEN f.status END AS fired,
           CASE WHEN w.to_status IS NOT NULL THEN f.deadline END AS fired_at,
           CASE WHEN w.to_status IS NOT NULL THEN f.deadline ELSE f.since END AS since,
           CASE WHEN w.to_status IS NOT NULL
                THEN (SELECT min(f.deadline + f.delays[tn.idx] * interval '1 millisecond') FROM timer tn
                      WHERE tn.channel = e.channel AND tn.from_status = w.to_status)
                ELSE f.deadline END AS deadline
    FROM (SELECT (SELECT tm.to_status FROM timer tm
                  WHERE f.deadline <= k.now AND tm.channel = e.channel AND tm.from_status = f.status
                  ORDER BY f.delays[tm.idx], tm.idx LIMIT 1) AS to_status) w
  ) x
  CROSS JOIN LATERAL (SELECT e.known OR coalesce(e.event_id = ANY (f.seen), false)) AS z(dup)
  LEFT JOIN step d ON NOT z.dup AND d.channel = e.channel AND d.from_status = x.status
                  AND d.to_status = e.status AND (NOT d.skipped OR $6::boolean)
),
hrow AS (
  SELECT f.message_id, f.k, 0::bigint AS j, f.fired AS from_status, f.from_status AS to_status, false AS implied,
         NULL::text AS event_id, f.fired_at AS at, true AS timer, NULL::text AS detail
  FROM fold f WHERE f.fired IS NOT NULL
  UNION ALL
  SELECT f.message_id, f.k, p.j,
         CASE WHEN p.j = 1 THEN f.from_status ELSE f.path[p.j - 1] END,
         p.status, p.j < cardinality(f.path),
         CASE WHEN p.j = cardinality(f.path) THEN e.event_id END,
         CASE WHEN p.j = cardinality(f.path) THEN e.at END,
         false,
         CASE WHEN p.j = cardinality(f.path) THEN e.detail END
  FROM fold f
  JOIN ev e ON e.message_id = f.message_id AND e.k = f.k
  CROSS JOIN LATERAL unnest(f.path) WITH ORDINALITY AS p(status, j)
  WHERE f.path IS NOT NULL
),
hist AS (
  SELECT h.message_id, (st.version + row_number() OVER (PARTITION BY h.message_id ORDER BY h.k, h.j))::int AS seq,
         h.from_status, h.to_status, h.implied, h.event_id, h.at, h.timer, h.detail
  FROM hrow h JOIN start st ON st.message_id = h.message_id
),
changed AS (
  SELECT st.message_id, st.channel, st.stored, n.status, n.version, lf.since, lf.deadline, lf.delays,
         ARRAY(SELECT (SELECT count(*) FROM hist h WHERE h.message_id = st.message_id AND h.to_status = x.status)::int
               FROM unnest(st.statuses) WITH ORDINALITY AS x(status, i) ORDER BY x.i) AS bump
  FROM start st
  JOIN (SELECT DISTINCT ON (h.message_id) h.message_id, h.to_status AS status, h.seq AS version
        FROM hist h ORDER BY h.message_id, h.seq DESC) n ON n.message_id = st.message_id
  JOIN (SELECT DISTINCT ON (f.message_id) f.message_id, f.since, f.deadline, f.delays
        FROM fold f ORDER BY f.message_id, f.k DESC) lf ON lf.message_id = st.message_id
  WHERE NOT EXISTS (SELECT 1 FROM bad)
),
upd AS (
  UPDATE ${s} r
  SET status = c.status, version = c.version, updated_at = now(), since = c.since, deadline = c.deadline,
      delays = c.delays,
      counts = ARRAY(SELECT a + b FROM unnest(r.counts, c.bump) WITH ORDINALITY AS u(a, b, i) ORDER BY u.i)
  FROM changed c
  WHERE r.message_id = c.message_id AND c.stored
),
ins AS (
  INSERT INTO ${s} (message_id, channel, status, counts, version, since, deadline, delays)
  SELECT message_id, channel, status, bump, version, since, deadline, delays FROM changed WHERE NOT stored ORDER BY message_id
),
rec AS (
  INSERT INTO ${t} (message_id, seq, from_status, to_status, implied, event_id, at, timer, detail)
  SELECT message_id, seq, from_status, to_status, implied, event_id, at, timer, detail FROM hist
  WHERE NOT EXISTS (SELECT 1 FROM bad)
)
SELECT e.ord::int AS ord, f.from_status, f.dup, f.path IS NOT NULL AS applied, st.stored_channel
FROM fold f
JOIN ev e ON e.message_id = f.message_id AND e.k = f.k
JOIN start st ON st.message_id = f.message_id
ORDER BY e.ord`;
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
 * id the other writer recorded. For a new message a plain INSERT is used; if
 * another session inserted it first, the unique violation rolls the whole
 * call back and the caller re-runs it, now finding the row.
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
    v_since := coalesce(to_timestamp(p_at_ms / 1000.0), v_now);
    SELECT min(v_since + v_delays[i] * interval '1 millisecond') INTO v_deadline
    FROM generate_subscripts(p_timer_from, 1) AS i WHERE p_timer_from[i] = p_status;
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
    VALUES (p_message_id, p_channel, p_status, v_counts, cardinality(v_path), v_since, v_deadline, v_delays);
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
