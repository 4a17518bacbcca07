import * as fc from 'fast-check';
import { requireLifecycle, type ChannelRef, type StatusOf } from '../catalog';
import { LifecycleError } from '../errors';

/**
 * fast-check arbitraries for property-testing code that receives delivery
 * status webhooks. Everything is derived from the channel's compiled tables,
 * so custom channels work as well as `'sms'` and `'email'`. Import from
 * `delivery-lifecycle/testing`; fast-check (v4) is an optional peer
 * dependency, needed only here.
 */

/** One report as a provider would send it: a status, an event id (usually) and a time (often). */
export interface WebhookEvent<S extends string = string> {
  readonly status: S;
  readonly id?: string;
  /**
   * Epoch ms the provider claims, as real providers send it: in the true
   * order, or disagreeing with it, or coarse (several reports at one time), or
   * absent (see {@link TimeQuality}). A copy keeps its original's time. Never
   * a guide to the order: a consumer that sorts by it fails these streams.
   */
  readonly at?: number;
}

/**
 * How the reports' times relate to the true order: `ordered` (one second
 * apart along the path), `disordered` (random, so they often contradict the
 * path), `coarse` (all the same instant, like minute-resolution receipts),
 * `missing` (no time at all, like Twilio callbacks) or `mixed` (each report
 * one of those on its own).
 */
export type TimeQuality = 'ordered' | 'disordered' | 'coarse' | 'missing' | 'mixed';

/** Every {@link TimeQuality}, the default of `ArrivalOptions.times`. */
export const TIME_QUALITIES: readonly TimeQuality[] = Object.freeze(['ordered', 'disordered', 'coarse', 'missing', 'mixed']);

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
  /** Epoch ms of the path's first status; ordered times are one second apart after it. Default 2026-01-01T00:00:00Z. */
  readonly start?: number;
  /** Prefix of generated event ids; default `'evt-'`. */
  readonly idPrefix?: string;
  /** The kinds of times to draw from, one per stream; default all of {@link TIME_QUALITIES}. */
  readonly times?: readonly TimeQuality[];
  /** Whether an original report may come without an id (about one in ten do); default true. */
  readonly idless?: boolean;
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
 * own event id (distinct reports never share one, even two DEFERRED), plus up
 * to `maxRepeats` repeats, each either a provider retry (same id, same
 * status, same time) or a second report of the status without an id;
 * originals occasionally come without an id too (unless `idless: false`).
 * Times follow one {@link TimeQuality} per stream, so they may contradict the
 * true order, coincide, or be missing. Shuffled. Throws
 * `LifecycleError('invalid_argument')` for a bad `times`.
 *
 * @example
 * fc.assert(fc.property(legalPathArb('email').chain((p) => arrivalOrderArb(p).map((e) => [p, e] as const)),
 *   ([path, events]) => reconcile('email', events).status === (path.at(-1) ?? 'SUBMITTED')))
 */
export function arrivalOrderArb<S extends string>(path: readonly S[], options: ArrivalOptions = {}): fc.Arbitrary<readonly WebhookEvent<S>[]> {
  const maxRepeats = options.maxRepeats ?? 6;
  const start = options.start ?? Date.UTC(2026, 0, 1);
  const prefix = options.idPrefix ?? 'evt-';
  const qualities = options.times ?? TIME_QUALITIES;
  if (!Array.isArray(qualities) || qualities.length === 0 || qualities.some((q) => !TIME_QUALITIES.includes(q))) {
    throw new LifecycleError('invalid_argument', `times must be a non-empty list of ${TIME_QUALITIES.join(', ')}`);
  }
  const n = path.length;
  const originals = fc.array(fc.integer({ min: 0, max: 9 }).map((k) => k > 0 || options.idless === false), { minLength: n, maxLength: n });
  const repeats = n === 0 ? fc.constant([]) : fc.array(fc.record({ of: fc.nat({ max: n - 1 }), sameId: fc.boolean() }), { maxLength: maxRepeats });
  const noise = fc.array(fc.nat({ max: 3 * n }), { minLength: n, maxLength: n });
  const picks = fc.array(fc.constantFrom<TimeQuality>('ordered', 'disordered', 'coarse', 'missing'), { minLength: n, maxLength: n });
  return fc
    .tuple(originals, repeats, fc.constantFrom(...qualities), noise, picks)
    .chain(([hasId, extra, quality, random, mixed]) => {
      const timeOf = (i: number): number | undefined => {
        const q = quality === 'mixed' ? mixed[i] : quality;
        if (q === 'ordered') return start + i * 1000;
        if (q === 'disordered') return start + random[i] * 1000;
        if (q === 'coarse') return start;
        return undefined;
      };
      const events: WebhookEvent<S>[] = path.map((status, i) => {
        const at = timeOf(i);
        const e: { status: S; id?: string; at?: number } = { status };
        if (hasId[i]) e.id = `${prefix}${i}`;
        if (at !== undefined) e.at = at;
        return e;
      });
      for (const { of, sameId } of extra) {
        const original = events[of];
        const copy: { status: S; at?: number } = { status: original.status };
        if (original.at !== undefined) copy.at = original.at;
        events.push(sameId ? { ...original } : copy);
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
