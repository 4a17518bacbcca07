import type { AnyStateMachine } from 'xstate';
import { buildLookup, lookupHint, type LookupHint, type NameLookup } from './internal/lookup';

// The compiled form of a lifecycle and nothing else: what the validation and
// reconciliation path reads. No xstate here (the import above is a type), so
// loading it, or the built-in channels' generated tables, loads no runtime.

/** A timed transition: `to` happens by itself after `delay` in `from`. */
export interface TimerEdge {
  readonly from: number;
  readonly to: number;
  /** The machine's delay: a number of ms or the name of a delay in `setup({ delays })`. */
  readonly delay: number | string;
  /**
   * The delay in ms for the machine's default input, when it can be computed
   * (worked out on first read, so loading the package runs no actor): the
   * delay evaluated on the initial context, before any deadline is set. A
   * delay function that counts down to an absolute deadline in context (see
   * `timeUntil`) returns its full length there.
   */
  readonly delayMs: number | undefined;
}

/**
 * How a reported status relates to the current one; one value per ordered
 * pair of applicable statuses, computed once at compile time.
 */
export const Relation = {
  legal: 0,
  duplicate: 1,
  skipped: 2,
  stale: 3,
  fromFinal: 4,
  illegal: 5,
} as const;
export type Relation = (typeof Relation)[keyof typeof Relation];

/** Lookup value for a name the channel knows but does not use. */
export const INAPPLICABLE = -1;

/**
 * A lifecycle machine compiled into integer-indexed tables. Status ids are
 * indices into `statuses`; pair tables are `n * n`, indexed `from * n + to`.
 * Everything here is derived from the machine; nothing is written by hand.
 */
export interface CompiledLifecycle<S extends string = string> {
  /** The channel's name, e.g. `"sms"`. */
  readonly name: string;
  /**
   * The xstate machine the tables were compiled from, or `undefined` for the
   * built-in channels' tables, which are generated from their machines at
   * build time so that validating loads no xstate. Get those machines from
   * `delivery-lifecycle/machines` (`smsMachine`, `emailMachine`, `machineFor`).
   */
  readonly machine: AnyStateMachine | undefined;
  /** Applicable statuses in definition order; a status's id is its index. */
  readonly statuses: readonly S[];
  /** Number of applicable statuses. */
  readonly size: number;
  /** Id of the initial status. */
  readonly initial: number;
  /** Every name the channel recognises (its catalog); applicable ones and the rest. */
  readonly vocabulary: readonly string[];
  /**
   * Name → id for applicable statuses, {@link INAPPLICABLE} for the rest of
   * the vocabulary; absent for anything else. A `Map`, so `"__proto__"` and
   * friends are simply absent.
   */
  readonly ids: ReadonlyMap<string, number>;
  /** The same content as `ids`, behind the fastest exact lookup found for these names (the hot path's). */
  readonly lookup: NameLookup;
  /** The state description of each status, by id. */
  readonly descriptions: readonly string[];
  /** The state tags of each status, by id (e.g. `['failure']`; empty when none). */
  readonly tags: ReadonlyArray<readonly string[]>;
  /** 1 where the status is final, by id. */
  readonly final: Uint8Array;
  /** 1 where `from → to` is a legal reported transition (self-loops included). */
  readonly edges: Uint8Array;
  /** 1 where `to` is reachable from `from` by one or more transitions, timers included. */
  readonly reach: Uint8Array;
  /** The {@link Relation} of every pair. */
  readonly relation: Uint8Array;
  /**
   * For skipped pairs, the statuses strictly between `from` and `to` on a
   * shortest path of reported and timed steps (a reported step first on a
   * tie), so a status only a timer reaches is implied too; else empty.
   */
  readonly implied: ReadonlyArray<readonly number[]>;
  /** Legal next statuses by id, in definition order. */
  readonly next: ReadonlyArray<readonly number[]>;
  /** Statuses with a legal transition into each status, by id. */
  readonly previous: ReadonlyArray<readonly number[]>;
  /** Timed transitions. */
  readonly timers: readonly TimerEdge[];
}

/**
 * A compiled lifecycle as plain JSON-able data: what `npm run generate`
 * writes to `src/generated/lifecycles.ts` for the built-in channels (by
 * running {@link compileLifecycle} on their machines) and what
 * {@link fromTables} turns back into a {@link CompiledLifecycle}.
 */
export interface LifecycleTables {
  readonly name: string;
  readonly statuses: readonly string[];
  readonly initial: number;
  readonly vocabulary: readonly string[];
  readonly descriptions: readonly string[];
  readonly tags: readonly (readonly string[])[];
  readonly final: readonly number[];
  readonly edges: readonly number[];
  readonly reach: readonly number[];
  readonly relation: readonly number[];
  readonly implied: readonly (readonly number[])[];
  readonly next: readonly (readonly number[])[];
  readonly previous: readonly (readonly number[])[];
  readonly timers: readonly { readonly from: number; readonly to: number; readonly delay: number | string; readonly delayMs: number | null }[];
  /**
   * The perfect hash found for the vocabulary's names, so that
   * {@link fromTables} need not search for it again (optional; checked before
   * use, and searched for when absent or wrong).
   */
  readonly lookup?: LookupHint;
}

/** The parts of a {@link CompiledLifecycle} that {@link sealLifecycle} derives itself. */
export type LifecycleParts<S extends string> = Omit<CompiledLifecycle<S>, 'ids' | 'lookup' | 'size'>;

// Shared by every copy of this package in the process (the ESM and CommonJS
// builds, and each self-contained CommonJS entry), so that a lifecycle
// compiled through `delivery-lifecycle/machines` is genuine to the root too.
// The key carries the format's version: a copy with another layout of
// CompiledLifecycle uses its own set.
const REGISTRY = Symbol.for('delivery-lifecycle.compiled-lifecycles/1');
const COMPILED: WeakSet<object> = ((globalThis as Record<symbol, unknown>)[REGISTRY] as WeakSet<object> | undefined) ?? register();

function register(): WeakSet<object> {
  const set = new WeakSet<object>();
  Object.defineProperty(globalThis, REGISTRY, { value: set });
  return set;
}

/**
 * @internal Freezes `parts` into a {@link CompiledLifecycle} (adding the name
 * index and its fast lookup) and marks it as genuine for
 * {@link isCompiledLifecycle}. The one constructor, for compiled machines
 * and generated tables alike.
 */
export function sealLifecycle<S extends string>(parts: LifecycleParts<S>, hint?: LookupHint): CompiledLifecycle<S> {
  const ids = new Map<string, number>();
  for (const word of parts.vocabulary) ids.set(word, INAPPLICABLE);
  parts.statuses.forEach((status, id) => ids.set(status, id));
  const compiled: CompiledLifecycle<S> = Object.freeze({
    ...parts,
    size: parts.statuses.length,
    ids,
    lookup: buildLookup(ids, hint),
  });
  COMPILED.add(compiled);
  return compiled;
}

/** True for a lifecycle made by `compileLifecycle` or from generated tables (not a look-alike object). */
export function isCompiledLifecycle(value: unknown): value is CompiledLifecycle {
  return typeof value === 'object' && value !== null && COMPILED.has(value);
}

function frozenLists(lists: readonly (readonly number[])[]): ReadonlyArray<readonly number[]> {
  return Object.freeze(lists.map((list) => (list.length === 0 ? EMPTY : Object.freeze([...list]))));
}

const EMPTY: readonly number[] = Object.freeze([]);

/**
 * A {@link CompiledLifecycle} from generated tables, without its machine.
 * Same tables, same lookups, same speed as the compiled original.
 *
 * @example fromTables(GENERATED.sms).statuses // ['REGISTERED', 'SUBMITTED', …]
 */
export function fromTables<S extends string = string>(tables: LifecycleTables): CompiledLifecycle<S> {
  return sealLifecycle<S>({
    name: tables.name,
    machine: undefined,
    statuses: Object.freeze([...tables.statuses]) as readonly S[],
    initial: tables.initial,
    vocabulary: Object.freeze([...tables.vocabulary]),
    descriptions: Object.freeze([...tables.descriptions]),
    tags: Object.freeze(tables.tags.map((list) => Object.freeze([...list]))),
    final: Uint8Array.from(tables.final),
    edges: Uint8Array.from(tables.edges),
    reach: Uint8Array.from(tables.reach),
    relation: Uint8Array.from(tables.relation),
    implied: frozenLists(tables.implied),
    next: frozenLists(tables.next),
    previous: frozenLists(tables.previous),
    timers: Object.freeze(
      tables.timers.map((t) => Object.freeze({ from: t.from, to: t.to, delay: t.delay, delayMs: t.delayMs ?? undefined })),
    ),
  }, tables.lookup);
}

/**
 * The plain data of a compiled lifecycle, as {@link fromTables} reads it
 * (evaluates each timer's default delay).
 *
 * @example JSON.stringify(toTables(compileLifecycle(smsMachine, { name: 'sms' })))
 */
export function toTables(lifecycle: CompiledLifecycle): LifecycleTables {
  return {
    name: lifecycle.name,
    statuses: [...lifecycle.statuses],
    initial: lifecycle.initial,
    vocabulary: [...lifecycle.vocabulary],
    descriptions: [...lifecycle.descriptions],
    tags: lifecycle.tags.map((list) => [...list]),
    final: [...lifecycle.final],
    edges: [...lifecycle.edges],
    reach: [...lifecycle.reach],
    relation: [...lifecycle.relation],
    implied: lifecycle.implied.map((list) => [...list]),
    next: lifecycle.next.map((list) => [...list]),
    previous: lifecycle.previous.map((list) => [...list]),
    timers: lifecycle.timers.map((t) => ({ from: t.from, to: t.to, delay: t.delay, delayMs: t.delayMs ?? null })),
    ...withHint(lookupHint(lifecycle.lookup)),
  };
}

function withHint(hint: LookupHint | undefined): { lookup?: LookupHint } {
  return hint === undefined ? {} : { lookup: hint };
}
