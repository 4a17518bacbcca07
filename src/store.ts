import type { ChannelRef, StatusOf } from './catalog';
import type { ApplyResult } from './reconcile';
import type { DeliveryReport } from './report/model';
import type {
  BatchItem,
  BatchResult,
  ExpireOptions,
  ExpireResult,
  RegisterOptions,
  RegisterResult,
  SideEvent,
  StoreApplyOptions,
  StoreEvent,
  StoredMessage,
  StoredSideEvent,
  StoredTransition,
} from './postgres/store';
import type { StatsOptions } from './postgres/stats';

// Type-only: the shapes are the PostgreSQL store's, named here as the contract every engine shares.
export type { BatchItem, ExpireOptions, ExpireResult, RegisterOptions, RegisterResult, SideEvent, StatsOptions, StoreApplyOptions, StoreEvent, StoredMessage, StoredSideEvent, StoredTransition };

/**
 * The store contract: what every delivery-status store promises, whatever
 * engine keeps the data (`createPostgresStore` over PostgreSQL or PGlite,
 * `createRedisStore` over Redis Cluster). The webhook handler, the expiry
 * sweeper, the report and the CLI take any implementation of it; the shared
 * conformance suite (test/store/conformance.ts) runs the same tests against
 * every engine.
 *
 * The promises, engine by engine the same:
 * - `apply` decides exactly as `applyStatus` does on the message's stored
 *   status, atomically (concurrent writers never lose an update or move a
 *   message backwards); a provider event id already recorded for the
 *   message is `ignored` as a `duplicate`; a due timer fires first;
 * - `applyMany` gives, item by item, what `apply` would have given in order,
 *   except that an item whose message is stored under another channel is a
 *   per-item `channel_mismatch` rejection instead of failing the batch;
 * - `register` records a message at its initial status once;
 * - `get` / `history` read the state and the transitions (implied entries
 *   marked, timer entries marked, ids, times and details kept);
 * - `expireDue` fires every due timer once, safe beside appliers and other
 *   sweepers;
 * - `stats` gives the delivery report's figures of the stored messages;
 * - `recordSideEvent` keeps a side event (a spam complaint, an unsubscribe)
 *   once per provider event id, whether or not the message is stored;
 *   `sideEvents` lists them in the order they were recorded. The webhook
 *   handler records every side event it meets on the store it is given.
 *
 * Misuse (unknown channel, malformed event, a message stored under another
 * channel, bad options) throws `LifecycleError` before anything is written.
 *
 * @example
 * import type { DeliveryStore } from 'delivery-lifecycle';
 * async function onCallback(store: DeliveryStore, id: string, status: string) {
 *   const result = await store.apply(id, 'sms', status);
 *   return result.outcome;
 * }
 */
export interface DeliveryStore {
  /** Applies one report atomically; see {@link DeliveryStore}. */
  apply<C extends ChannelRef>(messageId: string, channel: C, event: StoreEvent, options?: StoreApplyOptions): Promise<ApplyResult<StatusOf<C>>>;
  /** Applies a batch in order; results in input order, each what `apply` would have returned at that point. */
  applyMany(items: readonly BatchItem[], options?: StoreApplyOptions): Promise<BatchResult[]>;
  /** Records a message at its channel's initial status unless it is already stored (`{ registered: false }`). */
  register(messageId: string, channel: ChannelRef, options?: RegisterOptions): Promise<RegisterResult>;
  /** Fires every due timer (at or before `now`) once; with `limit`, the earliest deadlines first. */
  expireDue(options?: ExpireOptions): Promise<ExpireResult>;
  /** The message's stored state, or `undefined` when nothing was ever recorded for it. */
  get(messageId: string): Promise<StoredMessage | undefined>;
  /** The message's transitions in order (empty when none). */
  history(messageId: string): Promise<StoredTransition[]>;
  /** The delivery report's figures for the stored messages. */
  stats(options?: StatsOptions): Promise<DeliveryReport>;
  /**
   * Keeps a side event of a message once per provider event id (`{ recorded: false }` for an id already kept);
   * text fields cut to 200 code points. Throws `LifecycleError('invalid_event')` for a missing id or a malformed field.
   */
  recordSideEvent(messageId: string, event: SideEvent): Promise<{ readonly recorded: boolean }>;
  /** The message's side events in the order they were recorded (empty when none). */
  sideEvents(messageId: string): Promise<StoredSideEvent[]>;
}
