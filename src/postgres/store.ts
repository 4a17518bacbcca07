import { lifecycleOf, type ChannelRef, type StatusOf } from '../catalog';
import type { CompiledLifecycle } from '../compile';
import { LifecycleError } from '../errors';
import { show } from '../messages';
import { applyStatus, type ApplyOptions, type ApplyResult, type Ignored, type StatusReport } from '../reconcile';
import { toSqlClient, type SqlClient } from './client';
import { checkMessageId, readBatchItem, readSideEvent, readTime } from '../internal/store-input';
import { perLifecycle } from '../internal/memo';
import { checkDelayNames, givenDelays, resolveDelays, type DelayOptions } from './delays';
import type { DeliveryReport } from '../report/model';
import type { StatsOptions } from './stats';
import { arrayLiteral, batchTables, callApplyBatchSql, callApplyOneSql, decodeApplyEvent, decisionColumn, expireDueSql, getSql, historySql, migrationBlockSql, migrationSql, recordSideEventSql, registerSql, sideEventsSql, tableNames, type TableNames } from './sql';

export interface PostgresStoreOptions {
  /** Schema for the tables (created by `migrate`); default: the connection's search_path. */
  readonly schema?: string;
  /** Prefix of the table names; default `'delivery_'` (tables `delivery_status`, `delivery_transition`). */
  readonly tablePrefix?: string;
  /** Custom channels the store accepts besides `sms` and `email` (others are registered on first use). */
  readonly channels?: readonly CompiledLifecycle[];
  /** How often a statement that lost a race (unique violation, deadlock) is re-run; default 20. */
  readonly maxRetries?: number;
  /**
   * The store's clock, in epoch ms; default `Date.now`. It decides, as the
   * tracker's clock does, whether a message's timer is due when a report is
   * applied, stamps a status change whose report has no `at`, and is the
   * default `now` of {@link PostgresStore.expireDue}.
   */
  readonly now?: () => number;
}

/**
 * Options of {@link PostgresStore.apply} and {@link PostgresStore.applyMany}:
 * the policy, and the timer delays of a message the call records for the
 * first time (a message's delays are fixed when the store first records it,
 * by `register` or its first applied report, as a tracker's are at
 * creation). Default: the channel's own (SMS validity 48 h).
 */
export interface StoreApplyOptions extends ApplyOptions, DelayOptions {}

/** Options of {@link PostgresStore.register}. */
export interface RegisterOptions extends DelayOptions {
  /**
   * When the message was sent (Date, epoch ms or ISO 8601); default the
   * store's clock. When given, it is also kept as the time of the initial
   * status, which `stats` times the first statuses from.
   */
  readonly at?: Date | number | string;
}

/** What {@link PostgresStore.register} did. */
export interface RegisterResult {
  /** False when the message was already stored (nothing changed). */
  readonly registered: boolean;
}

/** Options of {@link PostgresStore.expireDue}. */
export interface ExpireOptions {
  /** The time to expire up to, epoch ms; default the store's clock. A deadline equal to it is due. */
  readonly now?: number;
  /** The most messages to move in this call (a positive integer); default all that are due. */
  readonly limit?: number;
}

/** What {@link PostgresStore.expireDue} moved. */
export interface ExpireResult {
  readonly count: number;
  /** The moved messages, earliest deadline first. */
  readonly messageIds: string[];
}

/**
 * A report as `apply` takes it: a `StatusReport` or just the status name.
 * `detail` is the provider's own words (a `ProviderEvent`'s `detail`), kept
 * on the history row the report adds, cut to 200 code points (`MAX_DETAIL_LENGTH`).
 */
export type StoreEvent = (StatusReport & { readonly detail?: string }) | string;

/** One item of {@link PostgresStore.applyMany}. */
export interface BatchItem<C extends ChannelRef = ChannelRef> {
  readonly messageId: string;
  readonly channel: C;
  readonly event: StoreEvent;
}

/**
 * An item of {@link PostgresStore.applyMany} whose message is stored (or was
 * created earlier in the same batch) under another channel: that item changes
 * nothing, and the rest of the batch is applied. (`apply` throws
 * `LifecycleError('invalid_argument')` for the same mistake.)
 */
export interface ChannelMismatch {
  readonly outcome: 'rejected';
  readonly code: 'channel_mismatch';
  /** The channel the item named. */
  readonly channel: string;
  /** The channel the message is stored under. */
  readonly storedChannel: string;
  readonly implied: readonly never[];
  readonly message: string;
}

/** What {@link PostgresStore.applyMany} answers per item: what `apply` would, or a {@link ChannelMismatch}. */
export type BatchResult<S extends string = string> = ApplyResult<S> | ChannelMismatch;

/** A side event for {@link PostgresStore.recordSideEvent}. Text fields are cut to 200 code points. */
export interface SideEvent {
  /** The provider's event id (or one derived from the request): a side event is kept once per id and message. */
  readonly id: string;
  /** Which provider sent it, e.g. `'postmark'`. */
  readonly provider?: string;
  /** What it is, in your words or the mapper's code, e.g. `'spam_complaint'`. */
  readonly kind?: string;
  /** The provider's own words, e.g. a `ProviderRejection`'s `detail` (`"Bounce/SpamComplaint"`). */
  readonly detail?: string;
  /** When it happened: Date, epoch ms or ISO 8601. */
  readonly at?: Date | number | string;
}

/** A side event as {@link PostgresStore.sideEvents} returns it. */
export interface StoredSideEvent {
  readonly id: string;
  readonly provider?: string;
  readonly kind?: string;
  readonly detail?: string;
  /** Epoch ms, when it was given. */
  readonly at?: number;
  /** When the store recorded it. */
  readonly recordedAt: Date;
}

/** A message's stored state. */
export interface StoredMessage<S extends string = string> {
  readonly messageId: string;
  readonly channel: string;
  readonly status: S;
  /** How many times each status became or stayed current (implied ones included): opens, clicks, deferrals… */
  readonly counts: Readonly<Record<string, number>>;
  /** Number of transitions recorded; grows with every applied report and fired timer. */
  readonly version: number;
  readonly updatedAt: Date;
  /** When the current status began, epoch ms (its report's `at`, else the store's clock); absent on rows from before expiry was stored. */
  readonly since?: number;
  /**
   * When the current status's timer is due (SMS SUBMITTED: the validity
   * deadline), epoch ms; absent when none is pending. A deadline at or
   * before the clock is due: the next `apply` or `expireDue` records it.
   */
  readonly deadline?: number;
}

/** One row of a message's history. */
export interface StoredTransition<S extends string = string> {
  /** Position in the message's history, from 1. */
  readonly seq: number;
  readonly from: S;
  readonly status: S;
  /** True for a status filled in because a later report arrived early. */
  readonly implied: boolean;
  /** The provider event id of the report, when it had one. */
  readonly id?: string;
  /** The report's time in epoch ms, when it had one; for a timer row, the deadline. */
  readonly at?: number;
  /** Present for a status the channel's timer made happen (SMS EXPIRED when the validity ran out). */
  readonly timer?: true;
  /** The provider's detail on the report, when it had one. */
  readonly detail?: string;
  /** When the row was written. */
  readonly recordedAt: Date;
}

/** The store returned by {@link createPostgresStore}. */
export interface PostgresStore {
  /** Creates the schema if missing (idempotent, safe to run from several instances at once). */
  migrate(): Promise<void>;
  /**
   * Applies one report to a message atomically and returns what
   * `applyStatus` decides for the message's current status (a repeated
   * provider event id is `ignored` as a `duplicate`). If the message's timer
   * is due by the store's clock (deadline at or before it), the timer fires
   * first and is recorded, as a tracker's `apply` does, so a receipt after
   * the deadline finds the message EXPIRED whether or not a sweeper ran.
   * `options.validityMs` / `options.delays` set the timer delays of a
   * message this call records for the first time. One statement, one round
   * trip (re-run only if it lost a race). Throws `LifecycleError` for an
   * unknown channel, a malformed event, a bad option or a message stored
   * under another channel, before anything is written.
   */
  apply<C extends ChannelRef>(messageId: string, channel: C, event: StoreEvent, options?: StoreApplyOptions): Promise<ApplyResult<StatusOf<C>>>;
  /**
   * Applies a batch in order, in one statement (one round trip, all or
   * nothing); results in input order, each what `apply` would have returned
   * at that point, except that a provider event id decided earlier in the
   * same batch is a `duplicate` (as in `reconcile`), and an item whose
   * message is stored under another channel is a {@link ChannelMismatch}
   * (the other items are applied). Malformed items, an unknown channel or a
   * bad option throw `LifecycleError` before anything is written.
   *
   * @example
   * const [a, b] = await store.applyMany([
   *   { messageId: 'm-1', channel: 'sms', event: { status: 'SUBMITTED', id: 'e1' } },
   *   { messageId: 'm-1', channel: 'sms', event: { status: 'DELIVERED', id: 'e2' } },
   * ]);
   * // a.outcome === 'applied', b.outcome === 'applied'
   */
  applyMany(items: readonly BatchItem[], options?: StoreApplyOptions): Promise<BatchResult[]>;
  /**
   * Records a message when it is sent: a row at the channel's initial status
   * (no history), so that it exists for the store before any callback, with
   * its timer delays (`validityMs`, `delays`) and `at` as when its status
   * began. A message already stored is left exactly as it is
   * (`{ registered: false }`): registering twice, or after callbacks
   * arrived, changes nothing. Throws `LifecycleError` for an unknown channel,
   * a bad option, or a message stored under another channel.
   */
  register(messageId: string, channel: ChannelRef, options?: RegisterOptions): Promise<RegisterResult>;
  /**
   * Fires every due timer: each message of the store's channels whose
   * deadline is at or before `now` (default: the store's clock) moves to its
   * timer's status (SMS SUBMITTED → EXPIRED), with a history row marked
   * `timer` whose `at` is the deadline. One statement; safe to run from
   * several sweepers at once and beside `apply` (a message is moved once, and
   * never after a report moved it on). With `limit`, the earliest deadlines
   * first; call again until `count` is 0 to drain.
   */
  expireDue(options?: ExpireOptions): Promise<ExpireResult>;
  /** The message's stored state, or `undefined` when it was never registered and nothing was ever applied to it. */
  get(messageId: string): Promise<StoredMessage | undefined>;
  /** The message's transitions in order (empty when none). */
  history(messageId: string): Promise<StoredTransition[]>;
  /**
   * The delivery report's figures for the stored messages (of `channel`,
   * first recorded in [`since`, `until`)), computed in one set-based
   * statement: funnel, final statuses, transitions, failures by status and
   * detail, and the time between statuses as DDSketches binned by the
   * database exactly as `buildReport` bins them (see src/postgres/stats.ts),
   * so a log applied to the store gives the log's own figures. Contradictions
   * are zero: the store keeps no rejected reports. Rejects with
   * `LifecycleError` for bad options or an unknown channel.
   */
  stats(options?: StatsOptions): Promise<DeliveryReport>;
  /**
   * Keeps a side event of a message (a spam complaint, an unsubscribe: a
   * provider callback that is no delivery status, `ProviderRejection` with
   * code `side_event`), once per provider event id: the same id again is left
   * as it is (`{ recorded: false }`). The message need not be stored. Throws
   * `LifecycleError('invalid_event')` for a missing id or a malformed field.
   *
   * @example
   * await store.recordSideEvent('msg-1', { id: 'evt-7', provider: 'postmark', kind: 'side_event', detail: 'SpamComplaint' });
   * // { recorded: true }; again with id 'evt-7': { recorded: false }
   */
  recordSideEvent(messageId: string, event: SideEvent): Promise<{ readonly recorded: boolean }>;
  /** The message's side events, in the order they were recorded (empty when none). */
  sideEvents(messageId: string): Promise<StoredSideEvent[]>;
  /** The tables the store uses (quoted, schema-qualified). */
  readonly tables: Readonly<Pick<TableNames, 'status' | 'transition' | 'sideEvent'>>;
}

/** A decision column as the array literals the statement takes. */
type ColumnParams = readonly [froms: string, offsets: string, implied: string];

const NO_COLUMN: ColumnParams = ['{}', '{0}', '{}'];

/** Per lifecycle: its statuses, and every incoming status's decision column (tolerant, strict), as array literals. */
const paramsOf = perLifecycle((lifecycle) => {
  const column = (to: number, tolerant: boolean): ColumnParams => {
    const c = decisionColumn(lifecycle, to, tolerant);
    return [arrayLiteral(c.froms), arrayLiteral(c.offsets), arrayLiteral(c.implied)];
  };
  return {
    statuses: arrayLiteral(lifecycle.statuses),
    timerFrom: arrayLiteral(lifecycle.timers.map((t) => lifecycle.statuses[t.from])),
    timerTo: arrayLiteral(lifecycle.timers.map((t) => lifecycle.statuses[t.to])),
    tolerant: lifecycle.statuses.map((_, to) => column(to, true)),
    strict: lifecycle.statuses.map((_, to) => column(to, false)),
  };
});


const RETRYABLE = new Set(['23505', '40P01', '40001']);
const BUILT_IN: readonly ChannelRef[] = ['sms', 'email'];

interface Prepared {
  readonly messageIds: string[];
  readonly channels: string[];
  readonly statuses: (string | null)[];
  readonly ids: (string | null)[];
  readonly ats: (number | null)[];
  readonly details: (string | null)[];
  readonly lifecycles: CompiledLifecycle[];
  readonly incoming: unknown[];
}

/**
 * Creates a PostgreSQL-backed status store over a `pg` Pool or Client, or a
 * PGlite instance (the same SQL runs on both). Every write goes through one
 * statement generated from the compiled lifecycle tables, so the database
 * itself guarantees that a message's status only moves forward, even with
 * many service instances writing at once. With a `pg` Client, call it
 * outside an explicit transaction: a lost race is retried by re-running the
 * statement.
 *
 * @example
 * import { Pool } from 'pg';
 * import { createPostgresStore } from 'delivery-lifecycle/postgres';
 * const store = createPostgresStore(new Pool());
 * await store.migrate();
 * await store.apply('msg-1', 'email', { status: 'OPEN', id: 'evt-9' });
 * // { outcome: 'applied', status: 'OPEN', from: 'SUBMITTED', code: 'skipped', implied: ['DELIVERED'], … }
 */
export function createPostgresStore(db: unknown, options: PostgresStoreOptions = {}): PostgresStore {
  return buildStore(db, options);
}

function buildStore(db: unknown, options: PostgresStoreOptions): PostgresStore {
  const client: SqlClient = toSqlClient(db);
  const names = tableNames(options.schema, options.tablePrefix ?? 'delivery_');
  const maxRetries = options.maxRetries ?? 20;
  const clock = options.now ?? Date.now;
  if (typeof clock !== 'function') {
    throw new LifecycleError('invalid_argument', `now must be a function returning epoch ms, got ${show(clock)}`);
  }
  const now = (): number => {
    const ms = clock();
    if (typeof ms !== 'number' || !Number.isFinite(ms)) throw new LifecycleError('invalid_argument', `the clock returned ${show(ms)}, not epoch ms`);
    return ms;
  };
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new LifecycleError('invalid_argument', `maxRetries must be a non-negative integer, got ${show(maxRetries)}`);
  }
  const registry = new Map<string, CompiledLifecycle>();
  const register = (channel: unknown): CompiledLifecycle => {
    const lifecycle = lifecycleOf(channel);
    if (lifecycle === undefined) {
      throw new LifecycleError('unknown_channel', `unknown channel ${show(channel)}`, {
        channel: typeof channel === 'string' ? channel : undefined,
      });
    }
    const known = registry.get(lifecycle.name);
    if (known === undefined) registry.set(lifecycle.name, lifecycle);
    else if (known !== lifecycle) {
      throw new LifecycleError('invalid_argument', `another lifecycle named ${show(lifecycle.name)} is already used by this store`, {
        channel: lifecycle.name,
      });
    }
    return lifecycle;
  };
  for (const channel of [...BUILT_IN, ...(options.channels ?? [])]) register(channel);

  // The statement text depends only on the set of channels in a call; keep one per set.
  const tableCache = new Map<string, string[]>();
  /** The batch's channels' decision tables as the batch function's parameters, built once per set of channels. */
  const tablesFor = (lifecycles: readonly CompiledLifecycle[]): string[] => {
    const key = lifecycles.map((l) => l.name).join('\u0000');
    let params = tableCache.get(key);
    if (params === undefined) {
      const t = batchTables(lifecycles);
      params = [
        arrayLiteral(t.names), arrayLiteral(t.n), arrayLiteral(t.sbase), arrayLiteral(t.init), arrayLiteral(t.rbase), arrayLiteral(t.tbase), arrayLiteral(t.tn),
        arrayLiteral(t.statuses), arrayLiteral(t.rel), arrayLiteral(t.impStart), arrayLiteral(t.impLen), arrayLiteral(t.imp),
        arrayLiteral(t.timerFrom), arrayLiteral(t.timerTo),
      ];
      tableCache.set(key, params);
    }
    return params;
  };

  const one = { text: callApplyOneSql(names), name: '' };
  one.name = `dl_apply_event_${hash(one.text)}`;

  const attempt = async (statement: { text: string; name: string }, params: readonly unknown[]) => {
    for (let tries = 0; ; tries++) {
      try {
        return (await client.query(statement.text, params, statement.name)).rows;
      } catch (error) {
        if (tries < maxRetries && RETRYABLE.has((error as { code?: unknown }).code as string)) continue;
        throw error;
      }
    }
  };

  /** The delays of every timer of `lifecycles`, in order: the named ones given, else each machine's own. */
  const delaysOf = (lifecycles: readonly CompiledLifecycle[], options: StoreApplyOptions | undefined): number[][] => {
    const given = givenDelays(options);
    if (given.size > 0) checkDelayNames(lifecycles, given);
    return lifecycles.map((l) => resolveDelays(l, given));
  };

  const batchCall = { text: callApplyBatchSql(names), name: '' };
  batchCall.name = `dl_apply_batch_${hash(batchCall.text)}`;

  const run = async (batch: Prepared, options: StoreApplyOptions | undefined, perItem: boolean): Promise<BatchResult[]> => {
    const tolerant = policyIsTolerant(options);
    const delays = delaysOf(batch.lifecycles, options);
    const at = now();
    if (batch.messageIds.length === 1) {
      // A single report takes the small statement: the decision column travels as parameters. A status
      // the channel does not have gets an empty column (nothing applies), but its message's due timer fires.
      const lifecycle = batch.lifecycles[0];
      const status = batch.statuses[0];
      const p = paramsOf(lifecycle);
      const column = status === null ? NO_COLUMN : (tolerant ? p.tolerant : p.strict)[lifecycle.ids.get(status) as number];
      const params = [
        batch.messageIds[0], lifecycle.name, lifecycle.statuses[lifecycle.initial], p.statuses, ...column, status, batch.ids[0], batch.ats[0],
        p.timerFrom, p.timerTo, arrayLiteral(delays[0]), at, batch.details[0],
      ];
      return results(batch, (await attempt(one, params)).map(decodeApplyEvent), options, perItem);
    }
    const tables = tablesFor(batch.lifecycles);
    const index = new Map(batch.lifecycles.map((l, i) => [l.name, i + 1]));
    const params = [
      batch.messageIds,
      batch.channels.map((name) => index.get(name) as number),
      batch.statuses.map((status, i) => (status === null ? null : (batch.lifecycles[(index.get(batch.channels[i]) as number) - 1].ids.get(status) as number) + 1)),
      batch.ids, batch.ats, batch.details, tolerant, at, ...tables, arrayLiteral(delays.flat()),
    ];
    const row = (await attempt(batchCall, params))[0];
    return results(batch, (row.r as string[]).map((r) => decodeApplyEvent({ r })), options, perItem);
  };

  const sweeps = new Map<string, { text: string; name: string }>();
  const sweepFor = (lifecycles: readonly CompiledLifecycle[]) => {
    const key = lifecycles.map((l) => l.name).join('\u0000');
    let statement = sweeps.get(key);
    if (statement === undefined) {
      const text = expireDueSql(names, lifecycles);
      statement = { text, name: `dl_expire_${hash(text)}` };
      sweeps.set(key, statement);
    }
    return statement;
  };
  const recordSide = { text: recordSideEventSql(names), name: '' };
  recordSide.name = `dl_side_${hash(recordSide.text)}`;
  const listSide = { text: sideEventsSql(names), name: '' };
  listSide.name = `dl_sides_${hash(listSide.text)}`;
  const enroll = { text: registerSql(names), name: '' };
  enroll.name = `dl_register_${hash(enroll.text)}`;

  return {
    tables: { status: names.status, transition: names.transition, sideEvent: names.sideEvent },
    async migrate() {
      const lifecycles = [...registry.values()];
      if (client.exec !== undefined) await client.exec(migrationSql(names, lifecycles));
      else await client.query(migrationBlockSql(names, lifecycles), []);
    },
    async recordSideEvent(messageId, event) {
      checkMessageId(messageId);
      const side = readSideEvent(event);
      const params = [messageId, side.id, side.provider ?? null, side.kind ?? null, side.detail ?? null, side.at ?? null];
      const row = (await attempt(recordSide, params))[0];
      return { recorded: Number(row.inserted) === 1 };
    },
    async sideEvents(messageId) {
      checkMessageId(messageId);
      const rows = (await client.query(listSide.text, [messageId], listSide.name)).rows;
      return rows.map((row) => {
        const entry: { -readonly [K in keyof StoredSideEvent]: StoredSideEvent[K] } = { id: row.event_id as string, recordedAt: row.recorded_at as Date };
        if (row.provider !== null && row.provider !== undefined) entry.provider = row.provider as string;
        if (row.kind !== null && row.kind !== undefined) entry.kind = row.kind as string;
        if (row.detail !== null && row.detail !== undefined) entry.detail = row.detail as string;
        if (row.at_ms !== null && row.at_ms !== undefined) entry.at = Number(row.at_ms);
        return entry;
      });
    },
    async apply(messageId, channel, event, options) {
      const batch = prepare([{ messageId, channel, event }], register);
      return (await run(batch, options, false))[0] as ApplyResult<StatusOf<typeof channel>>;
    },
    async applyMany(items, options) {
      if (!Array.isArray(items)) throw new LifecycleError('invalid_argument', `applyMany takes an array, got ${show(items)}`);
      if (items.length === 0) {
        policyIsTolerant(options);
        return [];
      }
      return run(prepare(items, register), options, true);
    },
    async get(messageId) {
      checkMessageId(messageId);
      const row = (await client.query(getSql(names), [messageId], 'dl_get_' + hash(getSql(names)))).rows[0];
      if (row === undefined) return undefined;
      const lifecycle = registry.get(row.channel as string);
      const counts: Record<string, number> = {};
      (row.counts as number[]).forEach((count, i) => {
        counts[lifecycle?.statuses[i] ?? String(i + 1)] = Number(count);
      });
      return {
        messageId: row.message_id as string,
        channel: row.channel as string,
        status: row.status as string,
        counts,
        version: Number(row.version),
        updatedAt: row.updated_at as Date,
        ...(row.since_ms === null || row.since_ms === undefined ? {} : { since: Number(row.since_ms) }),
        ...(row.deadline_ms === null || row.deadline_ms === undefined ? {} : { deadline: Number(row.deadline_ms) }),
      };
    },
    async register(messageId, channel, options) {
      checkMessageId(messageId);
      const lifecycle = register(channel);
      if (options !== undefined && (typeof options !== 'object' || options === null)) {
        throw new LifecycleError('invalid_argument', `options must be an object, got ${show(options)}`);
      }
      const [delays] = delaysOf([lifecycle], options);
      const since = options?.at === undefined ? now() : readTime(options.at, 'invalid_argument');
      let deadline: number | null = null;
      lifecycle.timers.forEach((timer, i) => {
        if (timer.from === lifecycle.initial && (deadline === null || since + delays[i] < deadline)) deadline = since + delays[i];
      });
      const params = [
        messageId, lifecycle.name, lifecycle.statuses[lifecycle.initial], arrayLiteral(lifecycle.statuses.map(() => 0)), since, deadline, arrayLiteral(delays),
        options?.at === undefined ? null : since,
      ];
      const row = (await attempt(enroll, params))[0];
      if (row.channel !== null && row.channel !== undefined && row.channel !== lifecycle.name) {
        throw new LifecycleError('invalid_argument', `message ${show(messageId)} is stored as ${show(row.channel)}, not ${show(lifecycle.name)}`, {
          channel: lifecycle.name,
        });
      }
      return { registered: Number(row.inserted) === 1 };
    },
    async expireDue(options) {
      if (options !== undefined && (typeof options !== 'object' || options === null)) {
        throw new LifecycleError('invalid_argument', `options must be an object, got ${show(options)}`);
      }
      const at = options?.now ?? now();
      if (typeof at !== 'number' || !Number.isFinite(at)) throw new LifecycleError('invalid_argument', `now must be epoch ms, got ${show(at)}`);
      const limit = options?.limit;
      if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1 || limit > 2_147_483_647)) {
        throw new LifecycleError('invalid_argument', `limit must be a positive integer, got ${show(limit)}`);
      }
      const lifecycles = [...registry.values()].filter((l) => l.timers.length > 0).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      if (lifecycles.length === 0) return { count: 0, messageIds: [] };
      const rows = await attempt(sweepFor(lifecycles), [at, limit ?? null]);
      const messageIds = rows.map((r) => r.message_id as string);
      return { count: messageIds.length, messageIds };
    },
    async stats(options = {}) {
      // Loaded on first use: a webhook handler that only applies reports never loads the report's code.
      const { reportFromStats, statsParams, statsSql } = await import('./stats');
      const lifecycles = [...registry.values()];
      const params = statsParams(lifecycles, options);
      const text = statsSql(names);
      const rows = (await client.query(text, params, `dl_stats_${hash(text)}`)).rows;
      return reportFromStats(lifecycles, rows[0].doc as string, options);
    },
    async history(messageId) {
      checkMessageId(messageId);
      const rows = (await client.query(historySql(names), [messageId], 'dl_history_' + hash(historySql(names)))).rows;
      return rows.map((row) => {
        const entry: { -readonly [K in keyof StoredTransition]: StoredTransition[K] } = {
          seq: Number(row.seq),
          from: row.from_status as string,
          status: row.to_status as string,
          implied: row.implied as boolean,
          recordedAt: row.recorded_at as Date,
        };
        if (row.event_id !== null && row.event_id !== undefined) entry.id = row.event_id as string;
        if (row.at_ms !== null && row.at_ms !== undefined) entry.at = Number(row.at_ms);
        if (row.timer === true) entry.timer = true;
        if (row.detail !== null && row.detail !== undefined) entry.detail = row.detail as string;
        return entry;
      });
    },
  };
}

function policyIsTolerant(options: ApplyOptions | undefined): boolean {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new LifecycleError('invalid_argument', `options must be an object, got ${show(options)}`);
  }
  const policy = options?.policy;
  if (policy === undefined || policy === 'tolerant') return true;
  if (policy === 'strict') return false;
  throw new LifecycleError('invalid_argument', `policy must be 'strict' or 'tolerant', got ${show(policy)}`);
}


/** Validates a whole batch before anything is sent: nothing is written unless every item is well formed. */
function prepare(items: readonly BatchItem[], register: (channel: unknown) => CompiledLifecycle): Prepared {
  const batch: Prepared = { messageIds: [], channels: [], statuses: [], ids: [], ats: [], details: [], lifecycles: [], incoming: [] };
  items.forEach((item, index) => {
    const { messageId, lifecycle, report, detail } = readBatchItem(item, index, register);
    if (!batch.lifecycles.includes(lifecycle)) batch.lifecycles.push(lifecycle);
    const id = lifecycle.ids.get(report.status as string);
    batch.messageIds.push(messageId);
    batch.channels.push(lifecycle.name);
    // An unknown or inapplicable status matches no step row, so it can only be rejected.
    batch.statuses.push(id !== undefined && id >= 0 ? (report.status as string) : null);
    batch.ids.push(report.id ?? null);
    batch.ats.push(report.at ?? null);
    batch.details.push(detail ?? null);
    batch.incoming.push(report.status);
  });
  batch.lifecycles.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return batch;
}

/**
 * Rebuilds each event's `applyStatus` result from the status it met in the
 * database. A message stored under another channel throws for `apply`
 * (`perItem` false) and is that item's {@link ChannelMismatch} for `applyMany`.
 */
function results(batch: Prepared, rows: readonly Record<string, unknown>[], options: ApplyOptions | undefined, perItem: boolean): BatchResult[] {
  if (rows.length !== batch.messageIds.length) {
    throw new Error(`delivery-lifecycle: the store returned ${rows.length} results for ${batch.messageIds.length} events`);
  }
  const byName = new Map(batch.lifecycles.map((l) => [l.name, l]));
  return rows.map((row, i) => {
    const stored = row.stored_channel as string | null;
    if (stored !== null && stored !== undefined) {
      const message = `message ${show(batch.messageIds[i])} is stored as ${show(stored)}, not ${show(batch.channels[i])}`;
      if (!perItem) throw new LifecycleError('invalid_argument', `${message}; nothing was written`, { channel: batch.channels[i] });
      const mismatch: ChannelMismatch = { outcome: 'rejected', code: 'channel_mismatch', channel: batch.channels[i], storedChannel: stored, implied: [], message };
      return mismatch;
    }
    const lifecycle = byName.get(batch.channels[i]) as CompiledLifecycle;
    const from = row.from_status as string;
    if (row.dup === true) {
      const ignored: Ignored = {
        outcome: 'ignored',
        status: from,
        from,
        code: 'duplicate',
        implied: [],
        message: `${lifecycle.name}: event id ${show(batch.ids[i])} was already applied to ${show(batch.messageIds[i])}`,
      };
      return ignored;
    }
    const result = applyStatus(lifecycle, from, batch.incoming[i], options);
    if ((result.outcome === 'applied') !== (row.applied === true)) {
      throw new Error(`delivery-lifecycle: the database and applyStatus disagree on ${from} → ${show(batch.incoming[i])}`);
    }
    return result;
  });
}

function hash(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  return (h1 >>> 0).toString(36) + (h2 >>> 0).toString(36);
}
