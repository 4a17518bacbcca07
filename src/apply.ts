import { lifecycleOf, requireLifecycle, requireStatusId, type ChannelRef, type StatusOf } from './catalog';
import { LifecycleError } from './errors';
import { INAPPLICABLE, type CompiledLifecycle } from './lifecycle';
import { buildLookup, type NameLookup } from './internal/lookup';
import { perLifecycle } from './internal/memo';
import { show, statusMessage } from './messages';
import {
  checksOf,
  type OrderRejection,
  type SkippedRejection,
  type TransitionAccepted,
  type TransitionCode,
} from './validate';

/**
 * How out-of-order reports are treated. `strict` applies legal transitions
 * only. `tolerant` (the default, what a webhook receiver wants) also applies
 * early reports with the statuses they imply, and ignores late and repeated
 * ones, so the status never moves backwards.
 */
export type Policy = 'strict' | 'tolerant';

export interface ApplyOptions {
  /** Default `'tolerant'`. */
  readonly policy?: Policy;
}

/** A rejection code an incoming status can get (the channel is never the event's fault). */
export type ApplyCode = Exclude<TransitionCode, 'unknown_channel'>;

/** The incoming status was applied; `status` is the new current status. */
export interface Applied<S extends string = string> {
  readonly outcome: 'applied';
  /** The status after applying. */
  readonly status: S;
  /** The status before. */
  readonly from: S;
  /** `'skipped'` when the report arrived early and `implied` were filled in. */
  readonly code?: 'skipped';
  /** Statuses the report implies, in order, strictly between `from` and `status` (empty for a legal step). */
  readonly implied: readonly S[];
  readonly message?: string;
}

/** A repeated or late report: nothing changes, and nothing is wrong. */
export interface Ignored<S extends string = string> {
  readonly outcome: 'ignored';
  /** Unchanged current status. */
  readonly status: S;
  readonly from: S;
  readonly code: 'duplicate' | 'stale';
  readonly implied: readonly S[];
  readonly message: string;
}

/** A report that cannot be applied; the current status is kept. */
export interface Rejected<S extends string = string> {
  readonly outcome: 'rejected';
  /** Unchanged current status. */
  readonly status: S;
  readonly from: S;
  readonly code: ApplyCode;
  readonly implied: readonly S[];
  readonly message: string;
}

/** What {@link applyStatus} decides. */
export type ApplyResult<S extends string = string> = Applied<S> | Ignored<S> | Rejected<S>;

const NONE: readonly never[] = Object.freeze([]);

/**
 * Decides what an incoming status report does to a message whose current
 * status is `current`. Pure; results are frozen (do not mutate them): for
 * valid pairs and inapplicable names they are precomputed, and a short
 * unknown string's rejection is remembered, so bad input allocates nothing
 * once seen (any other bad value costs its one result object). Under the tolerant policy an early report is
 * applied with the statuses it implies (OPEN from SUBMITTED implies
 * DELIVERED), duplicates and late reports are ignored, and unknown,
 * inapplicable, contradictory and after-final reports are rejected. The
 * strict policy rejects everything that is not a legal transition.
 *
 * A bad `incoming` is an expected outcome (`rejected`); a bad `channel`,
 * `current` or `options` is misuse and throws `LifecycleError`.
 *
 * @example
 * applyStatus('email', 'SUBMITTED', 'OPEN')
 * // { outcome: 'applied', status: 'OPEN', from: 'SUBMITTED', code: 'skipped', implied: ['DELIVERED'], … }
 */
export function applyStatus<C extends ChannelRef>(
  channel: C,
  current: StatusOf<C>,
  incoming: unknown,
  options?: ApplyOptions,
): ApplyResult<StatusOf<C>> {
  const lifecycle = lifecycleOf(channel as unknown) ?? requireLifecycle(channel);
  return decideStatus(lifecycle, current, incoming, policyOf(options)) as ApplyResult<StatusOf<C>>;
}

/**
 * @internal {@link applyStatus} once its channel is a compiled lifecycle and
 * its options were read by {@link policyOf}: the same decision, the same
 * frozen result, without checking the lifecycle again (what the one step,
 * `stepReport`, calls per report). Throws as `applyStatus` does for a bad
 * `current`.
 *
 * @example decideStatus(lifecycleOf('email'), 'SUBMITTED', 'OPEN', policyOf(undefined)).implied // ['DELIVERED']
 */
export function decideStatus(lifecycle: CompiledLifecycle, current: string, incoming: unknown, policy: typeof TOLERANT | typeof STRICT): ApplyResult {
  const c = lifecycle.lookup.get(current);
  if (c === undefined || c < 0) return invalidCurrent(lifecycle, current);
  const x = lifecycle.lookup.get(incoming as string);
  const decisions = decisionsFor(lifecycle);
  if (x !== undefined && x >= 0) return decisions[policy][c * lifecycle.size + x];
  // A name of the catalog the channel does not use: as precomputed as any pair.
  if (x === INAPPLICABLE) return decisions.inapplicable[(decisions.vocabulary.get(incoming) as number) * lifecycle.size + c];
  return unknownStatus(lifecycle, decisions, c, current, incoming);
}

// The last two lifecycles' decisions, checked by identity before the memo's
// WeakMap: a log interleaves SMS and e-mail messages line by line.
let lastLifecycle: CompiledLifecycle | undefined;
let lastDecisions: Decisions | undefined;
let otherLifecycle: CompiledLifecycle | undefined;
let otherDecisions: Decisions | undefined;

function decisionsFor(lifecycle: CompiledLifecycle): Decisions {
  if (lifecycle === lastLifecycle) return lastDecisions as Decisions;
  if (lifecycle === otherLifecycle) return otherDecisions as Decisions;
  const decisions = decisionsOf(lifecycle);
  otherLifecycle = lastLifecycle;
  otherDecisions = lastDecisions;
  lastLifecycle = lifecycle;
  lastDecisions = decisions;
  return decisions;
}

const TOLERANT = 0;
const STRICT = 1;

/** @internal The policy `options` names (0 tolerant, 1 strict); throws `invalid_argument` for anything else. */
export function policyOf(options: ApplyOptions | undefined): typeof TOLERANT | typeof STRICT {
  if (options === undefined) return TOLERANT;
  if (typeof options !== 'object' || options === null) {
    throw new LifecycleError('invalid_argument', `options must be an object, got ${show(options)}`);
  }
  const policy = options.policy;
  if (policy === undefined || policy === 'tolerant') return TOLERANT;
  if (policy === 'strict') return STRICT;
  throw new LifecycleError('invalid_argument', `policy must be 'strict' or 'tolerant', got ${show(policy)}`);
}

function invalidCurrent(lifecycle: CompiledLifecycle, current: unknown): never {
  requireStatusId(lifecycle, current, 'from');
  throw new Error('unreachable');
}

const MAX_REMEMBERED = 256;

/**
 * The rejection of an unknown reported status. Webhook floods repeat the same
 * few bad words, so the rejections of the last few hundred short strings are
 * remembered per lifecycle, frozen, by current status (forgotten all at once
 * when full: bounded memory whatever arrives); any other value costs one
 * object, the result with its message.
 */
function unknownStatus(lifecycle: CompiledLifecycle, decisions: Decisions, c: number, current: string, incoming: unknown): Rejected {
  if (typeof incoming !== 'string' || incoming.length > 64) return unknownRejection(lifecycle, current, incoming);
  const remembered = decisions.unknown;
  let row = remembered.get(incoming);
  if (row === undefined) {
    if (remembered.size >= MAX_REMEMBERED) remembered.clear();
    row = new Array<Rejected | undefined>(lifecycle.size).fill(undefined);
    remembered.set(incoming, row);
  }
  return row[c] ?? (row[c] = Object.freeze(unknownRejection(lifecycle, current, incoming)));
}

function unknownRejection(lifecycle: CompiledLifecycle, current: string, incoming: unknown): Rejected {
  const message = statusMessage('unknown_status', lifecycle.name, 'to', incoming);
  return { outcome: 'rejected', status: current, from: current, code: 'unknown_status', implied: NONE, message };
}

interface Decisions {
  /** By policy (0 tolerant, 1 strict), every valid pair's decision, `current * n + incoming`. */
  readonly 0: readonly ApplyResult[];
  readonly 1: readonly ApplyResult[];
  /** Name → its index in the channel's vocabulary. */
  readonly vocabulary: NameLookup;
  /** The rejection of each vocabulary name the channel does not use, `vocabularyIndex * n + current`; the same under both policies. */
  readonly inapplicable: readonly Rejected[];
  /** Rejections of recently seen unknown strings, by current status (see {@link unknownStatus}). */
  readonly unknown: Map<string, (Rejected | undefined)[]>;
}

/**
 * Both policies' decision for every valid pair, derived once per lifecycle
 * from the pair's check, and (index 2) the rejection of each inapplicable
 * name by current status, the same under both policies.
 */
const decisionsOf = perLifecycle((lifecycle): Decisions => {
  const tolerant: ApplyResult[] = [];
  const strict: ApplyResult[] = [];
  for (const check of checksOf(lifecycle) as readonly (TransitionAccepted | OrderRejection | SkippedRejection)[]) {
    const { from, to } = check;
    if (check.ok) {
      const applied: Applied = Object.freeze({ outcome: 'applied', status: to, from, implied: NONE });
      tolerant.push(applied);
      strict.push(applied);
      continue;
    }
    const { code, message } = check;
    const between = check.code === 'skipped' ? check.implied : NONE;
    strict.push(Object.freeze({ outcome: 'rejected', status: from, from, code, implied: between, message }));
    if (code === 'skipped') {
      tolerant.push(Object.freeze({ outcome: 'applied', status: to, from, code, implied: between, message }));
    } else if (code === 'duplicate' || code === 'stale') {
      tolerant.push(Object.freeze({ outcome: 'ignored', status: from, from, code, implied: NONE, message }));
    } else {
      tolerant.push(Object.freeze({ outcome: 'rejected', status: from, from, code, implied: NONE, message }));
    }
  }
  const n = lifecycle.size;
  const inapplicable: Rejected[] = [];
  lifecycle.vocabulary.forEach((name, v) => {
    if (lifecycle.ids.get(name) !== INAPPLICABLE) return; // a sparse array: only inapplicable names are read
    const message = statusMessage('inapplicable_status', lifecycle.name, 'to', name);
    for (let c = 0; c < n; c++) {
      const status = lifecycle.statuses[c];
      inapplicable[v * n + c] = Object.freeze({ outcome: 'rejected', status, from: status, code: 'inapplicable_status', implied: NONE, message });
    }
  });
  return {
    0: Object.freeze(tolerant),
    1: Object.freeze(strict),
    vocabulary: buildLookup(new Map(lifecycle.vocabulary.map((name, v) => [name, v]))),
    inapplicable: Object.freeze(inapplicable),
    unknown: new Map(),
  };
});
