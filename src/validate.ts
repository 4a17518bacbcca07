import { lifecycleOf, type ChannelRef, type StatusOf } from './catalog';
import { INAPPLICABLE, type CompiledLifecycle } from './lifecycle';
import { LifecycleError } from './errors';
import { perLifecycle } from './internal/memo';
import { describeRejection, statusMessage } from './messages';

/** A legal transition (self-loops such as another OPEN included). */
export interface TransitionAccepted<S extends string = string> {
  readonly ok: true;
  readonly from: S;
  readonly to: S;
}

interface RejectionBase<C extends string> {
  readonly ok: false;
  readonly code: C;
  /** One English sentence for logs; `code` is what programs should branch on. */
  readonly message: string;
}

/** The channel is neither a built-in name nor a compiled lifecycle. */
export interface UnknownChannelRejection extends RejectionBase<'unknown_channel'> {
  readonly channel: unknown;
}

/** A status argument (`side`) is not a name of the catalog, or not one the channel uses. */
interface StatusRejectionOf<C extends 'unknown_status' | 'inapplicable_status'> extends RejectionBase<C> {
  /** Which argument was at fault. */
  readonly side: 'from' | 'to';
  /** The offending value, as given. */
  readonly status: unknown;
}

/** A status argument is not one of the catalog's names (exact spelling). */
export type UnknownStatusRejection = StatusRejectionOf<'unknown_status'>;
/** A status argument is a catalog name the channel does not use. */
export type InapplicableStatusRejection = StatusRejectionOf<'inapplicable_status'>;
/**
 * A status argument is at fault. One member per code, so that ruling out
 * both codes with `if` (not only `switch`) narrows it away.
 */
export type StatusRejection = UnknownStatusRejection | InapplicableStatusRejection;

/** Both statuses are the channel's, but `to` may not directly follow `from`. */
export interface OrderRejection<S extends string = string>
  extends RejectionBase<'duplicate' | 'stale' | 'from_final' | 'illegal_transition'> {
  readonly from: S;
  readonly to: S;
}

/** `to` is reachable from `from`, but only through `implied` (an early report). */
export interface SkippedRejection<S extends string = string> extends RejectionBase<'skipped'> {
  readonly from: S;
  readonly to: S;
  /** The statuses strictly between, along a shortest path. */
  readonly implied: readonly S[];
}

/** Why a transition is not legal, with the fields each reason needs. */
export type TransitionRejection<S extends string = string> =
  | UnknownChannelRejection
  | StatusRejection
  | OrderRejection<S>
  | SkippedRejection<S>;

/** What {@link checkTransition} returns. */
export type TransitionResult<S extends string = string> = TransitionAccepted<S> | TransitionRejection<S>;

/** Every reason a transition can be refused for, in the order they are checked. */
export type TransitionCode = TransitionRejection['code'];

/** Relation → code, indexed by {@link Relation}; `undefined` for legal. */
export const RELATION_CODES = [
  undefined,
  'duplicate',
  'skipped',
  'stale',
  'from_final',
  'illegal_transition',
] as const satisfies readonly (TransitionCode | undefined)[];

/**
 * Whether `from → to` is a legal transition on `channel`. Pure, never throws,
 * whatever it is given: anything that is not an exact status name of the
 * channel (wrong type, `"__proto__"`, `null`, other letter case) is `false`.
 * Costs two `Map` lookups and one table read.
 *
 * @example canTransition('email', 'DELIVERED', 'OPEN') // true
 */
export function canTransition(channel: unknown, from: unknown, to: unknown): boolean {
  const lifecycle = lifecycleOf(channel);
  if (lifecycle === undefined) return false;
  const f = lifecycle.lookup.get(from as string);
  const t = lifecycle.lookup.get(to as string);
  if (f === undefined || t === undefined || f < 0 || t < 0) return false;
  return lifecycle.edges[f * lifecycle.size + t] === 1;
}

/**
 * Classifies `from → to` on `channel`: `{ ok: true }` for a legal transition,
 * else the first reason that holds, in the order of LIFECYCLE.md's ordering
 * table (unknown channel, unknown status, inapplicable status, duplicate,
 * skipped, stale, from final, illegal). Pure and never throws. Status names
 * are exact: normalise untrusted text with {@link parseStatus} first.
 * Results for valid status pairs and inapplicable names are precomputed and
 * frozen; do not mutate them. An unknown string costs one result object.
 *
 * @example
 * const r = checkTransition('sms', 'DELIVERED', 'SUBMITTED')
 * if (!r.ok) r.code // 'stale'
 */
export function checkTransition<C extends ChannelRef>(
  channel: C,
  from: string,
  to: string,
): TransitionResult<StatusOf<C>>;
export function checkTransition(channel: unknown, from: unknown, to: unknown): TransitionResult;
export function checkTransition(channel: unknown, from: unknown, to: unknown): TransitionResult {
  const lifecycle = lifecycleOf(channel);
  if (lifecycle === undefined) {
    return { ok: false, code: 'unknown_channel', channel, message: describeRejection('unknown_channel', { channel }) };
  }
  const f = lifecycle.lookup.get(from as string);
  if (f === undefined || f < 0) return statusRejection(lifecycle, f, 'from', from);
  const t = lifecycle.lookup.get(to as string);
  if (t === undefined || t < 0) return statusRejection(lifecycle, t, 'to', to);
  return checksOf(lifecycle)[f * lifecycle.size + t];
}

/**
 * Throws `LifecycleError` (with `code`, `channel`, `from`, `to`) unless
 * `from → to` is legal on `channel`. For code paths where an illegal
 * transition is a bug; webhook handlers want {@link applyStatus}.
 */
export function assertTransition<C extends ChannelRef>(channel: C, from: string, to: string): void {
  const result = checkTransition(channel as unknown, from, to);
  if (!result.ok) {
    throw new LifecycleError(result.code, result.message, {
      channel: typeof channel === 'string' ? channel : lifecycleOf(channel as unknown)?.name,
      from,
      to,
    });
  }
}

function statusRejection(lifecycle: CompiledLifecycle, id: number | undefined, side: 'from' | 'to', status: unknown): StatusRejection {
  if (id === INAPPLICABLE) return (inapplicableOf(lifecycle).get(status as string) as InapplicableRejections)[side];
  return { ok: false, code: 'unknown_status', side, status, message: statusMessage('unknown_status', lifecycle.name, side, status) };
}

interface InapplicableRejections {
  readonly from: InapplicableStatusRejection;
  readonly to: InapplicableStatusRejection;
}

/** The frozen rejection of each catalog name the channel does not use, by side: bad input costs no allocation. */
const inapplicableOf = perLifecycle((lifecycle: CompiledLifecycle): ReadonlyMap<string, InapplicableRejections> => {
  const rejections = new Map<string, InapplicableRejections>();
  const of = (side: 'from' | 'to', status: string): InapplicableStatusRejection =>
    Object.freeze({ ok: false, code: 'inapplicable_status', side, status, message: statusMessage('inapplicable_status', lifecycle.name, side, status) });
  for (const [name, id] of lifecycle.ids) if (id === INAPPLICABLE) rejections.set(name, Object.freeze({ from: of('from', name), to: of('to', name) }));
  return rejections;
});

/**
 * @internal The frozen result of every valid pair, indexed `from * n + to`,
 * built once per lifecycle; `applyStatus`'s decisions are derived from it.
 */
export const checksOf = perLifecycle(buildChecks);

function buildChecks(lifecycle: CompiledLifecycle): readonly TransitionResult[] {
  const { size: n, statuses, relation, implied } = lifecycle;
  const checks: TransitionResult[] = [];
  for (let f = 0; f < n; f++) {
    for (let t = 0; t < n; t++) {
      const k = f * n + t;
      const from = statuses[f];
      const to = statuses[t];
      const code = RELATION_CODES[relation[k]];
      if (code === undefined) {
        checks.push(Object.freeze({ ok: true, from, to }));
        continue;
      }
      const message = describeRejection(code, { channel: lifecycle.name, from, to });
      checks.push(
        Object.freeze(
          code === 'skipped'
            ? { ok: false, code, from, to, message, implied: Object.freeze(implied[k].map((id) => statuses[id])) }
            : { ok: false, code, from, to, message },
        ),
      );
    }
  }
  return Object.freeze(checks);
}
