import * as fc from 'fast-check';
import { requireLifecycle, type ChannelRef, type StatusOf } from '../catalog';

/**
 * fast-check arbitraries for property-testing code that receives delivery
 * status webhooks. Everything is derived from the channel's compiled tables,
 * so custom channels work as well as `'sms'` and `'email'`. Import from
 * `delivery-lifecycle/testing`; fast-check (v4) is an optional peer
 * dependency, needed only here.
 */

/** One report as a provider would send it: a status, an event id (usually) and a time. */
export interface WebhookEvent<S extends string = string> {
  readonly status: S;
  readonly id?: string;
  /** Epoch ms of the status's position on the path (copies keep their original's time). */
  readonly at: number;
}

/** A message's true path and the events a provider delivered for it, in arrival order. */
export interface WebhookStream<S extends string = string> {
  /** The statuses the message went through after its initial one, in order (each a legal step). */
  readonly path: readonly S[];
  /** Every report of `path`, at least once each, shuffled, with repeats. */
  readonly events: readonly WebhookEvent<S>[];
  /** The status a tolerant consumer must end at: the path's last status (the initial one for an empty path). */
  readonly last: S;
}

export interface PathOptions {
  /** Longest path generated; default 8. */
  readonly maxLength?: number;
}

export interface ArrivalOptions {
  /** Most extra copies added; default 6. */
  readonly maxRepeats?: number;
  /** Epoch ms of the path's first status; later ones are one second apart. Default 2026-01-01T00:00:00Z. */
  readonly start?: number;
  /** Prefix of generated event ids; default `'evt-'`. */
  readonly idPrefix?: string;
}

/**
 * Any status the channel uses.
 *
 * @example
 * fc.assert(fc.property(statusArb('email'), (s) => isApplicable('email', s)))
 */
export function statusArb<C extends ChannelRef>(channel: C): fc.Arbitrary<StatusOf<C>> {
  const lifecycle = requireLifecycle(channel);
  return fc.constantFrom(...(lifecycle.statuses as readonly StatusOf<C>[]));
}

/**
 * A random legal path from the channel's initial status: the statuses it
 * goes through after the initial one, each a legal reported transition from
 * the one before (self-loops such as another DEFERRED included). It may stop
 * anywhere, and stops at a final status. Shrinks towards shorter paths.
 *
 * @example
 * fc.assert(fc.property(legalPathArb('sms'), (path) =>
 *   path.every((s, i) => canTransition('sms', i === 0 ? 'REGISTERED' : path[i - 1], s))))
 */
export function legalPathArb<C extends ChannelRef>(channel: C, options: PathOptions = {}): fc.Arbitrary<readonly StatusOf<C>[]> {
  const lifecycle = requireLifecycle(channel);
  const maxLength = options.maxLength ?? 8;
  return fc.array(fc.nat(), { maxLength }).map((choices) => {
    const path: StatusOf<C>[] = [];
    let at = lifecycle.initial;
    for (const choice of choices) {
      const next = lifecycle.next[at];
      if (next.length === 0) break;
      at = next[choice % next.length];
      path.push(lifecycle.statuses[at] as StatusOf<C>);
    }
    return path;
  });
}

/**
 * The reports of `path` in a random arrival order: each status once with its
 * own event id, plus up to `maxRepeats` repeats, each either a provider retry
 * (same id, same status) or a second report of the status without an id;
 * originals occasionally come without an id too. Shuffled.
 *
 * @example
 * fc.assert(fc.property(legalPathArb('email').chain((p) => arrivalOrderArb(p).map((e) => [p, e] as const)),
 *   ([path, events]) => reconcile('email', events).status === (path.at(-1) ?? 'SUBMITTED')))
 */
export function arrivalOrderArb<S extends string>(path: readonly S[], options: ArrivalOptions = {}): fc.Arbitrary<readonly WebhookEvent<S>[]> {
  const maxRepeats = options.maxRepeats ?? 6;
  const start = options.start ?? Date.UTC(2026, 0, 1);
  const prefix = options.idPrefix ?? 'evt-';
  const originals = fc.array(fc.integer({ min: 0, max: 9 }).map((n) => n > 0), { minLength: path.length, maxLength: path.length });
  const repeats = path.length === 0 ? fc.constant([]) : fc.array(fc.record({ of: fc.nat({ max: path.length - 1 }), sameId: fc.boolean() }), { maxLength: maxRepeats });
  return fc
    .tuple(originals, repeats)
    .chain(([hasId, extra]) => {
      const events: WebhookEvent<S>[] = path.map((status, i) => (hasId[i] ? { status, id: `${prefix}${i}`, at: start + i * 1000 } : { status, at: start + i * 1000 }));
      for (const { of, sameId } of extra) {
        const original = events[of];
        events.push(sameId ? { ...original } : { status: original.status, at: original.at });
      }
      return fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length });
    });
}

/**
 * A legal path and its reports as a provider might deliver them (see
 * {@link legalPathArb}, {@link arrivalOrderArb}), with the status a tolerant
 * handler must end at.
 *
 * @example
 * await fc.assert(fc.asyncProperty(webhookStreamArb('email'), async ({ events, last }) => {
 *   for (const e of events) await handler(e)
 *   expect(await loadStatus()).toBe(last)
 * }))
 */
export function webhookStreamArb<C extends ChannelRef>(
  channel: C,
  options: PathOptions & ArrivalOptions = {},
): fc.Arbitrary<WebhookStream<StatusOf<C>>> {
  const lifecycle = requireLifecycle(channel);
  const initial = lifecycle.statuses[lifecycle.initial] as StatusOf<C>;
  return legalPathArb(channel, options).chain((path) =>
    arrivalOrderArb(path, options).map((events) => ({ path, events, last: path.length === 0 ? initial : path[path.length - 1] })),
  );
}
