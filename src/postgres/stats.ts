import type { CompiledLifecycle } from '../compile';
import { LifecycleError, TRANSITION_CODES } from '../errors';
import { toEpochMs } from '../internal/time';
import { show } from '../messages';
import { failureMask, figuresOf, type ChannelCounts } from '../report/figures';
import { REPORT_FORMAT, type DeliveryReport } from '../report/model';
import { RELATIVE_ACCURACY, sketchKey, type SketchData } from '../report/sketch';
import type { TableNames } from './sql';

/** Options of {@link PostgresStore.stats}. */
export interface StatsOptions {
  /** Only this channel (its name). Default every channel the store knows. */
  readonly channel?: string;
  /** Only messages the store first recorded at or after this time (Date, epoch ms or ISO 8601). */
  readonly since?: Date | number | string;
  /** Only messages the store first recorded before this time. */
  readonly until?: Date | number | string;
  /** Distinct failure details listed per channel (the most frequent); the rest are summed. Default 1000. */
  readonly maxDetails?: number;
}

/** Durations above this (about 317 years) all fall in the last bucket. */
const LONGEST_MS = 1e13;

let thresholdCache: { first: number; values: number[] } | undefined;

/**
 * DDSketch's buckets as integer thresholds: `values[i]` is the smallest
 * whole number of ms whose sketch key is `first + i`. Then for a whole
 * number d ≥ 1, `width_bucket(d, values)` = i + 1 exactly when key(d) =
 * first + i (equal thresholds are fine: width_bucket takes the last), so the
 * database bins durations exactly as `DDSketch.accept` does, without
 * reproducing its logarithm in SQL.
 */
function thresholds(): { first: number; values: number[] } {
  if (thresholdCache !== undefined) return thresholdCache;
  const first = sketchKey(1);
  const last = sketchKey(LONGEST_MS);
  const values: number[] = [];
  let low = 1;
  for (let key = first; key <= last; key++) {
    // The smallest integer v ≥ low with key(v) ≥ key (key() is monotonic).
    let lo = low;
    let hi = LONGEST_MS * 2;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (sketchKey(mid) >= key) hi = mid;
      else lo = mid + 1;
    }
    values.push(lo);
    low = lo;
  }
  thresholdCache = { first, values };
  return thresholdCache;
}

/**
 * The statistics statement: one statement, one snapshot, one JSON document
 * back, every aggregate computed in the database (no message row leaves
 * it). $1 channel filter, $2/$3 since/until (epoch ms), $4 the channels, $5
 * their initial statuses, $6-$8 the reachability pairs (channel, from, to),
 * $9 the DDSketch thresholds, $10/$11 failure statuses (channel, status),
 * $12 how many details to list per channel.
 *
 * @example (await client.query(statsSql(names), statsParams(lifecycles, {}))).rows[0].doc
 */
export function statsSql(names: TableNames): string {
  const { status: s, transition: t } = names;
  return `WITH
lc AS (SELECT * FROM unnest($4::text[], $5::text[]) AS l(channel, initial)),
m AS (
  SELECT r.message_id, r.channel, r.status, r.registered_at, lc.initial
  FROM ${s} r JOIN lc ON lc.channel = r.channel
  WHERE ($1::text IS NULL OR r.channel = $1)
    AND ($2::float8 IS NULL OR r.created_at >= to_timestamp($2::float8 / 1000.0))
    AND ($3::float8 IS NULL OR r.created_at < to_timestamp($3::float8 / 1000.0))
),
h AS (SELECT h.message_id, m.channel, h.seq, h.from_status, h.to_status, h.implied, h.at, h.timer, h.detail
      FROM ${t} h JOIN m ON m.message_id = h.message_id),
final AS (SELECT channel, status, count(*)::int AS n FROM m GROUP BY channel, status),
reached AS (
  SELECT channel, to_status AS status, count(*)::int AS n, count(*) FILTER (WHERE NOT direct)::int AS implied
  FROM (SELECT channel, message_id, to_status, bool_or(NOT implied) AS direct FROM h GROUP BY channel, message_id, to_status) x
  GROUP BY channel, to_status
),
steps AS (
  SELECT channel, from_status, to_status, count(*)::int AS n, count(*) FILTER (WHERE implied)::int AS implied
  FROM h GROUP BY channel, from_status, to_status
),
-- Each status a message reached is timed by the row that first made it current (none for implied rows),
-- the initial status by the time it was registered with.
firsts AS (
  (SELECT DISTINCT ON (message_id, to_status) message_id, channel, to_status AS status, CASE WHEN implied THEN NULL ELSE at END AS at
   FROM h WHERE from_status <> to_status ORDER BY message_id, to_status, seq)
  UNION ALL
  SELECT message_id, channel, initial, registered_at FROM m
),
timed AS (SELECT * FROM firsts WHERE at IS NOT NULL),
reach AS (SELECT * FROM unnest($6::text[], $7::text[], $8::text[]) AS r(channel, from_status, to_status)),
pairs AS (
  SELECT a.channel, a.status AS from_status, b.status AS to_status, floor(extract(epoch FROM b.at - a.at) * 1000 + 0.5) AS ms
  FROM timed a
  JOIN timed b ON b.message_id = a.message_id AND b.status <> a.status
  JOIN reach r ON r.channel = a.channel AND r.from_status = a.status AND r.to_status = b.status
),
buckets AS (
  SELECT channel, from_status, to_status,
         CASE WHEN ms < 0 THEN -1 WHEN ms = 0 THEN 0 ELSE width_bucket(ms::float8, $9::float8[]) END AS b,
         count(*)::int AS n, sum(ms)::float8 AS total, min(ms)::float8 AS lo, max(ms)::float8 AS hi
  FROM pairs GROUP BY 1, 2, 3, 4
),
fails AS (
  SELECT channel, detail, n, row_number() OVER (PARTITION BY channel, detail IS NULL ORDER BY n DESC, detail) AS rank
  FROM (SELECT m.channel, h.detail, count(*)::int AS n
        FROM m
        JOIN unnest($10::text[], $11::text[]) AS fs(channel, status) ON fs.channel = m.channel AND fs.status = m.status
        JOIN h ON h.message_id = m.message_id AND h.to_status = m.status AND h.from_status <> h.to_status AND NOT h.implied
        GROUP BY m.channel, h.detail) g
)
SELECT json_build_object(
  'messages', (SELECT count(*) FROM m),
  'events', (SELECT count(*) FROM h WHERE NOT implied AND NOT timer),
  'final', (SELECT coalesce(json_agg(json_build_object('c', channel, 's', status, 'n', n)), '[]') FROM final),
  'reached', (SELECT coalesce(json_agg(json_build_object('c', channel, 's', status, 'n', n, 'i', implied)), '[]') FROM reached),
  'steps', (SELECT coalesce(json_agg(json_build_object('c', channel, 'f', from_status, 't', to_status, 'n', n, 'i', implied)), '[]') FROM steps),
  'buckets', (SELECT coalesce(json_agg(json_build_object('c', channel, 'f', from_status, 't', to_status, 'b', b, 'n', n, 'sum', total, 'lo', lo, 'hi', hi)), '[]') FROM buckets),
  'details', (SELECT coalesce(json_agg(json_build_object('c', channel, 'd', detail, 'n', n)), '[]') FROM fails WHERE detail IS NULL OR rank <= $12),
  'other', (SELECT coalesce(json_agg(json_build_object('c', channel, 'n', n)), '[]')
            FROM (SELECT channel, sum(n)::int AS n FROM fails WHERE detail IS NOT NULL AND rank > $12 GROUP BY channel) o)
)::text AS doc`;
}

function epochOption(value: unknown, name: string): number | null {
  if (value === undefined) return null;
  const ms = toEpochMs(value);
  if (ms === null || ms === undefined) throw new LifecycleError('invalid_argument', `${name} must be a Date, epoch ms or ISO 8601 string, got ${show(value)}`);
  return ms;
}

/**
 * The statement's parameters for `lifecycles` and `options`. Throws
 * `LifecycleError`: `invalid_argument` for bad options, `unknown_channel`
 * for a channel the store does not know.
 *
 * @example statsParams([lifecycleOf('sms')], { since: '2026-11-01' })
 */
export function statsParams(lifecycles: readonly CompiledLifecycle[], options: StatsOptions): unknown[] {
  if (typeof options !== 'object' || options === null) throw new LifecycleError('invalid_argument', `options must be an object, got ${show(options)}`);
  const { channel } = options;
  if (channel !== undefined && !lifecycles.some((l) => l.name === channel)) {
    throw new LifecycleError('unknown_channel', `the store knows no channel ${show(channel)}`);
  }
  const maxDetails = options.maxDetails ?? 1000;
  if (!Number.isSafeInteger(maxDetails) || maxDetails < 0) throw new LifecycleError('invalid_argument', `maxDetails must be a non-negative integer, got ${show(maxDetails)}`);
  const reach: [string[], string[], string[]] = [[], [], []];
  const failures: [string[], string[]] = [[], []];
  for (const l of lifecycles) {
    const mask = failureMask(l);
    for (let from = 0; from < l.size; from++) {
      if (mask[from] === 1) {
        failures[0].push(l.name);
        failures[1].push(l.statuses[from]);
      }
      for (let to = 0; to < l.size; to++) {
        if (from !== to && l.reach[from * l.size + to] === 1) {
          reach[0].push(l.name);
          reach[1].push(l.statuses[from]);
          reach[2].push(l.statuses[to]);
        }
      }
    }
  }
  return [
    channel ?? null,
    epochOption(options.since, 'since'),
    epochOption(options.until, 'until'),
    lifecycles.map((l) => l.name),
    lifecycles.map((l) => l.statuses[l.initial]),
    ...reach,
    thresholds().values,
    ...failures,
    maxDetails,
  ];
}

interface StatsDocument {
  messages: number;
  events: number;
  final: { c: string; s: string; n: number }[];
  reached: { c: string; s: string; n: number; i: number }[];
  steps: { c: string; f: string; t: string; n: number; i: number }[];
  buckets: { c: string; f: string; t: string; b: number; n: number; sum: number; lo: number; hi: number }[];
  details: { c: string; d: string | null; n: number }[];
  other: { c: string; n: number }[];
}

/**
 * The delivery report from the statement's JSON document: the same figures
 * `buildReport` folds from a log, through the same {@link figuresOf}. The
 * store keeps no rejected or malformed reports, so contradictions are zero.
 *
 * @example reportFromStats(lifecycles, rows[0].doc, {}).channels[0].funnel
 */
export function reportFromStats(lifecycles: readonly CompiledLifecycle[], text: string, options: StatsOptions): DeliveryReport {
  const doc = JSON.parse(text) as StatsDocument;
  const { first } = thresholds();
  const channels = lifecycles
    .filter((l) => options.channel === undefined || l.name === options.channel)
    .map((l) => {
      const n = l.size;
      const id = (status: string) => l.ids.get(status) as number;
      const finals: Record<string, number> = {};
      let started = 0;
      for (const row of doc.final) {
        if (row.c !== l.name) continue;
        finals[row.s] = row.n;
        started += row.n;
      }
      const reached = new Float64Array(n);
      const impliedOnly = new Float64Array(n);
      reached[l.initial] = started;
      for (const row of doc.reached) {
        if (row.c !== l.name) continue;
        reached[id(row.s)] += row.n;
        impliedOnly[id(row.s)] += row.i;
      }
      const steps = new Float64Array(n * n);
      const impliedSteps = new Float64Array(n * n);
      for (const row of doc.steps) {
        if (row.c !== l.name) continue;
        steps[id(row.f) * n + id(row.t)] = row.n;
        impliedSteps[id(row.f) * n + id(row.t)] = row.i;
      }
      const negative = new Float64Array(n * n);
      const grouped = new Map<number, typeof doc.buckets>();
      for (const row of doc.buckets) {
        if (row.c !== l.name) continue;
        const pair = id(row.f) * n + id(row.t);
        if (row.b < 0) negative[pair] += row.n;
        else grouped.set(pair, [...(grouped.get(pair) ?? []), row]);
      }
      const sketches: (SketchData | undefined)[] = new Array<SketchData | undefined>(n * n).fill(undefined);
      for (const [pair, rows] of grouped) {
        rows.sort((a, b) => a.b - b.b);
        let count = 0;
        let sum = 0;
        let zeroCount = 0;
        const bins: [number, number][] = [];
        for (const row of rows) {
          count += row.n;
          sum += row.sum;
          if (row.b === 0) zeroCount += row.n;
          else bins.push([first + row.b - 1, row.n]);
        }
        sketches[pair] = {
          relativeAccuracy: RELATIVE_ACCURACY,
          count,
          zeroCount,
          sum,
          min: Math.min(...rows.map((r) => r.lo)),
          max: Math.max(...rows.map((r) => r.hi)),
          bins,
        };
      }
      const details = new Map<string, number>();
      let withoutDetail = 0;
      for (const row of doc.details) {
        if (row.c !== l.name) continue;
        if (row.d === null) withoutDetail += row.n;
        else details.set(row.d, row.n);
      }
      const counts: ChannelCounts = {
        lifecycle: l,
        started,
        reached,
        impliedOnly,
        steps,
        impliedSteps,
        sketches,
        negative,
        failure: failureMask(l),
        details,
        otherDetails: doc.other.filter((o) => o.c === l.name).reduce((sum, o) => sum + o.n, 0),
        withoutDetail,
      };
      return figuresOf(counts, finals);
    });
  const byCode = Object.fromEntries(TRANSITION_CODES.filter((c) => c !== 'unknown_channel').map((c) => [c, 0])) as DeliveryReport['contradictions']['byCode'];
  return {
    format: REPORT_FORMAT,
    source: 'store',
    policy: 'tolerant',
    lines: 0,
    events: Number(doc.events),
    messages: Number(doc.messages),
    channels,
    contradictions: { malformed: 0, rejected: 0, byCode, ignored: { duplicate: 0, stale: 0 }, listed: [] },
  };
}
