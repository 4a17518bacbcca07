import { Relation, type CompiledLifecycle } from '../compile';
import { LifecycleError } from '../errors';

/** Where the store's two tables live. */
export interface TableNames {
  /** Schema-qualified, quoted status table. */
  readonly status: string;
  /** Schema-qualified, quoted transitions table. */
  readonly transition: string;
  /** Quoted name of the unique index on (message, provider event id). */
  readonly eventIndex: string;
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
    applyFunction: qualify(`${prefix}apply_event`),
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
 * version = number of transitions recorded) and an append-only transitions
 * table. The unique index on (message, provider event id) is what makes a
 * repeated provider event a no-op; NULL ids (implied rows, id-less reports)
 * never collide. An advisory lock serialises concurrent migrations.
 */
export function migrationSql(names: TableNames): string {
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
    applyEventFunctionSql(names),
  ].join(';\n');
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
 * The one statement behind `apply` and `applyMany`. Parameters: $1 message
 * ids, $2 channel names, $3 statuses, $4 provider event ids, $5 event times
 * (epoch ms), all arrays in arrival order, and $6 true for the tolerant
 * policy. In one statement it
 *
 * 1. locks the batch's existing rows (`FOR UPDATE`, in message-id order, so
 *    concurrent batches cannot deadlock on them) and reads their latest
 *    committed version;
 * 2. folds each message's events in order over the decision table (a
 *    recursive CTE): duplicate provider ids (earlier in the batch, or already
 *    in the history) and pairs without a step row change nothing;
 * 3. unless a stored row belongs to another channel, updates the moved rows,
 *    inserts the new ones (a plain INSERT: losing a first-insert race raises
 *    a unique violation, the whole statement rolls back and the caller
 *    retries) and appends the history, implied rows included;
 * 4. returns, per event, the status it met and whether it was a duplicate id,
 *    from which the caller rebuilds the exact `applyStatus` result.
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
ev AS (
  SELECT e.message_id, e.channel, e.status, e.event_id, e.ord,
         CASE WHEN e.at_ms IS NULL THEN NULL ELSE to_timestamp(e.at_ms / 1000.0) END AS at,
         row_number() OVER (PARTITION BY e.message_id ORDER BY e.ord) AS k,
         e.event_id IS NOT NULL AND EXISTS (
           SELECT 1 FROM ${t} h WHERE h.message_id = e.message_id AND h.event_id = e.event_id) AS known
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[])
       WITH ORDINALITY AS e(message_id, channel, status, event_id, at_ms, ord)
),
cur AS (
  SELECT r.message_id, r.channel, r.status, r.version
  FROM ${s} r WHERE r.message_id = ANY ($1::text[])
  ORDER BY r.message_id FOR UPDATE
),
start AS (
  SELECT m.message_id, m.channel, c.channel AS stored_channel, c.message_id IS NOT NULL AS stored,
         coalesce(c.status, l.initial) AS status, coalesce(c.version, 0) AS version, l.statuses
  FROM (SELECT DISTINCT message_id, channel FROM ev) m
  JOIN lifecycle l ON l.channel = m.channel
  LEFT JOIN cur c ON c.message_id = m.message_id
),
bad AS (SELECT 1 FROM start WHERE stored AND stored_channel <> channel),
fold(message_id, k, status, seen, from_status, dup, path) AS (
  SELECT message_id, 0::bigint, status, ARRAY[]::text[], NULL::text, false, NULL::text[] FROM start
  UNION ALL
  SELECT f.message_id, e.k, coalesce(d.path[cardinality(d.path)], f.status),
         CASE WHEN e.event_id IS NULL THEN f.seen ELSE f.seen || e.event_id END,
         f.status, z.dup, d.path
  FROM fold f
  JOIN ev e ON e.message_id = f.message_id AND e.k = f.k + 1
  CROSS JOIN LATERAL (SELECT e.known OR coalesce(e.event_id = ANY (f.seen), false)) AS z(dup)
  LEFT JOIN step d ON NOT z.dup AND d.channel = e.channel AND d.from_status = f.status
                  AND d.to_status = e.status AND (NOT d.skipped OR $6::boolean)
),
hist AS (
  SELECT f.message_id,
         (st.version + row_number() OVER (PARTITION BY f.message_id ORDER BY f.k, p.j))::int AS seq,
         CASE WHEN p.j = 1 THEN f.from_status ELSE f.path[p.j - 1] END AS from_status,
         p.status AS to_status, p.j < cardinality(f.path) AS implied,
         CASE WHEN p.j = cardinality(f.path) THEN e.event_id END AS event_id,
         CASE WHEN p.j = cardinality(f.path) THEN e.at END AS at
  FROM fold f
  JOIN start st ON st.message_id = f.message_id
  JOIN ev e ON e.message_id = f.message_id AND e.k = f.k
  CROSS JOIN LATERAL unnest(f.path) WITH ORDINALITY AS p(status, j)
  WHERE f.path IS NOT NULL
),
changed AS (
  SELECT st.message_id, st.channel, st.stored, n.status, n.version,
         ARRAY(SELECT (SELECT count(*) FROM hist h WHERE h.message_id = st.message_id AND h.to_status = x.status)::int
               FROM unnest(st.statuses) WITH ORDINALITY AS x(status, i) ORDER BY x.i) AS bump
  FROM start st
  JOIN (SELECT DISTINCT ON (h.message_id) h.message_id, h.to_status AS status, h.seq AS version
        FROM hist h ORDER BY h.message_id, h.seq DESC) n ON n.message_id = st.message_id
  WHERE NOT EXISTS (SELECT 1 FROM bad)
),
upd AS (
  UPDATE ${s} r
  SET status = c.status, version = c.version, updated_at = now(),
      counts = ARRAY(SELECT a + b FROM unnest(r.counts, c.bump) WITH ORDINALITY AS u(a, b, i) ORDER BY u.i)
  FROM changed c
  WHERE r.message_id = c.message_id AND c.stored
),
ins AS (
  INSERT INTO ${s} (message_id, channel, status, counts, version)
  SELECT message_id, channel, status, bump, version FROM changed WHERE NOT stored ORDER BY message_id
),
rec AS (
  INSERT INTO ${t} (message_id, seq, from_status, to_status, implied, event_id, at)
  SELECT message_id, seq, from_status, to_status, implied, event_id, at FROM hist
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
  return `SELECT message_id, channel, status, counts, version, updated_at FROM ${names.status} WHERE message_id = $1`;
}

/** Reads one message's transitions in order. $1 message id. */
export function historySql(names: TableNames): string {
  return `SELECT seq, from_status, to_status, implied, event_id,
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
  p_froms text[], p_offsets int[], p_implied text[], p_status text, p_event_id text, p_at_ms float8)
RETURNS text
LANGUAGE plpgsql VOLATILE
AS $delivery_lifecycle$
#variable_conflict use_column
DECLARE
  v_channel text;
  v_status text;
  v_version int;
  v_counts int[];
  v_stored boolean;
  v_i int;
  v_k int;
  v_path text[];
  v_locked boolean := false;
  v_dup boolean;
BEGIN
<<attempt>>
LOOP
  IF v_locked THEN
    SELECT r.channel, r.status, r.version, r.counts INTO v_channel, v_status, v_version, v_counts
    FROM ${s} r WHERE r.message_id = p_message_id FOR UPDATE;
    v_stored := FOUND;
    v_dup := NULL;
  ELSE
    -- The row and the provider-id probe in one statement, one snapshot.
    SELECT r.channel, r.status, r.version, r.counts,
           p_event_id IS NOT NULL AND EXISTS (SELECT 1 FROM ${t} h WHERE h.message_id = p_message_id AND h.event_id = p_event_id)
    INTO v_channel, v_status, v_version, v_counts, v_dup
    FROM ${s} r WHERE r.message_id = p_message_id;
    v_stored := FOUND;
  END IF;
  IF NOT v_stored THEN
    v_status := p_initial;
    v_version := 0;
    v_counts := array_fill(0, ARRAY[cardinality(p_statuses)]);
  END IF;
  IF v_stored AND v_channel <> p_channel THEN
    RETURN 'c' || v_channel;
  END IF;
  IF v_dup IS NULL THEN
    -- A new message, or the row just locked: probe the provider id in a snapshot taken now.
    v_dup := p_event_id IS NOT NULL
             AND EXISTS (SELECT 1 FROM ${t} h WHERE h.message_id = p_message_id AND h.event_id = p_event_id);
  END IF;
  v_i := array_position(p_froms, v_status);
  IF v_dup THEN
    RETURN 'd' || v_status;
  END IF;
  IF v_i IS NULL THEN
    RETURN 'n' || v_status;
  END IF;
  v_path := p_implied[p_offsets[v_i] + 1 : p_offsets[v_i + 1]] || p_status;
  FOR j IN 1 .. cardinality(v_path) LOOP
    v_k := array_position(p_statuses, v_path[j]);
    v_counts[v_k] := v_counts[v_k] + 1;
  END LOOP;
  IF v_stored THEN
    UPDATE ${s} r SET status = p_status, version = v_version + cardinality(v_path), counts = v_counts, updated_at = now()
    WHERE r.message_id = p_message_id AND r.version = v_version;
    IF NOT FOUND THEN
      -- A concurrent writer moved the row after we read it: decide again on the locked row.
      v_locked := true;
      CONTINUE attempt;
    END IF;
  ELSE
    INSERT INTO ${s} (message_id, channel, status, counts, version)
    VALUES (p_message_id, p_channel, p_status, v_counts, cardinality(v_path));
  END IF;
  IF cardinality(v_path) = 1 THEN
    -- The common case, a legal step: one history row.
    INSERT INTO ${t} (message_id, seq, from_status, to_status, implied, event_id, at)
    VALUES (p_message_id, v_version + 1, v_status, p_status, false, p_event_id,
            CASE WHEN p_at_ms IS NOT NULL THEN to_timestamp(p_at_ms / 1000.0) END);
  ELSE
    INSERT INTO ${t} (message_id, seq, from_status, to_status, implied, event_id, at)
    SELECT p_message_id, v_version + p.j::int, CASE WHEN p.j = 1 THEN v_status ELSE v_path[p.j - 1] END, p.s,
           p.j < cardinality(v_path),
           CASE WHEN p.j = cardinality(v_path) THEN p_event_id END,
           CASE WHEN p.j = cardinality(v_path) AND p_at_ms IS NOT NULL THEN to_timestamp(p_at_ms / 1000.0) END
    FROM unnest(v_path) WITH ORDINALITY AS p(s, j);
  END IF;
  RETURN 'a' || v_status;
END LOOP;
END
$delivery_lifecycle$`;
}

/**
 * Calls the single-report function. $1 message id, $2 channel, $3 initial
 * status, $4 the channel's statuses in order (for the counts), $5-$7 the
 * decision column, $8 the incoming status (NULL when it is not the
 * channel's), $9 provider event id, $10 time (epoch ms).
 */
export function callApplyOneSql(names: TableNames): string {
  return `SELECT ${names.applyFunction}($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) AS r`;
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

/** The current status in the shape of the apply result rows, without locking. $1 message id. */
export function readForApplySql(names: TableNames): string {
  return `SELECT (SELECT status FROM ${names.status} WHERE message_id = $1) AS from_status, false AS dup, false AS applied,
  (SELECT channel FROM ${names.status} WHERE message_id = $1) AS stored_channel`;
}
