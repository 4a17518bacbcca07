import { assign, setup, type AnyStateMachine, type MachineConfig } from 'xstate';
import { eventTime, type StatusEvent } from '../machines/shared';
import { CHANNELS } from './vocabulary';
import { actorNow, timeUntil } from './clock';
import { compileLifecycle, type CompiledLifecycle } from './compile';
import { LifecycleError } from './errors';
import { show } from './messages';

/** One status of a custom channel. */
export interface StatusDefinition {
  /** What the status means, in one sentence (returned by `describeStatus`). */
  readonly description: string;
  /** True when nothing may follow it, not even a repeat. Default false. */
  readonly final?: boolean;
}

/**
 * A status that happens by itself after `afterMs` in `from`, like SMS expiry.
 * `from → to` must also be a listed transition, so that a provider's own
 * report of `to` is legal too. As for SMS, the time counts from the entering
 * report's `at` (else the clock's time when the status began), so the
 * machine's actor fires at the same absolute deadline as the tracker. The
 * timer's delay is named after `from` (`createTracker(channel, { delays: { [from]: ms } })`).
 */
export interface TimerDefinition<S extends string = string> {
  readonly from: S;
  readonly to: S;
  /** Milliseconds, a positive whole number no larger than 2 147 483 647 (the `setTimeout` limit). */
  readonly afterMs: number;
}

/**
 * The data that describes a custom channel. Status names are your own:
 * a letter followed by up to 63 letters, digits, `_` or `-`, unique ignoring
 * letter case (because `parseStatus` ignores it). The statuses' key order is
 * the definition order every table and list follows.
 */
export interface ChannelDefinition<S extends string = string> {
  /** The channel's name; same alphabet as status names, and not a built-in channel's. */
  readonly name: string;
  readonly statuses: { readonly [K in S]: StatusDefinition };
  /** The status every message starts in. */
  readonly initial: NoInfer<S>;
  /**
   * For each status, the statuses that may directly follow it. A status may
   * list itself: a repeat that carries information (another read, another
   * retry) and is counted, not a duplicate. Without those self-loops the graph
   * must be acyclic. Statuses with no entry have no way out.
   */
  readonly transitions: { readonly [K in NoInfer<S>]?: readonly NoInfer<S>[] };
  /** Statuses reached by time alone, at most one per status. */
  readonly timers?: readonly TimerDefinition<NoInfer<S>>[];
}

/** The context of a custom channel's machine. */
export interface ChannelContext {
  /** For each status that may repeat, how many repeats were reported after entering it. */
  readonly repeats: Readonly<Record<string, number>>;
  /**
   * While in a status with a timer, when it fires (epoch ms): the entering
   * report's `at`, else the actor's clock, plus `afterMs`; null elsewhere.
   * Kept in context, so a restored actor fires at the same instant (see
   * `resumeTimers`).
   */
  readonly deadline: number | null;
}

const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const MAX_TIMER_MS = 2 ** 31 - 1;
const DEFINITION_KEYS = new Set(['name', 'statuses', 'initial', 'transitions', 'timers']);
const STATUS_KEYS = new Set(['description', 'final']);
const TIMER_KEYS = new Set(['from', 'to', 'afterMs']);

/**
 * Builds a channel from a definition: an xstate machine with one state per
 * status, one event per status (named after it), targetless counted
 * transitions for repeats and `after` for timers, compiled with
 * {@link compileLifecycle}. The result is accepted by every API that takes a
 * channel (`canTransition`, `checkTransition`, `applyStatus`, `reconcile`,
 * `parseStatus`, `statusesFor`, `machineFor`, …) and has the same tables and
 * speed as SMS and e-mail. Its statuses are all applicable; any other name is
 * an `unknown_status`.
 *
 * Pass the definition inline or `as const` so the status names are inferred
 * (a widened `initial: string` does not type-check); untyped data (JSON) may be
 * passed `as ChannelDefinition` and is checked at run time all the same.
 *
 * Throws `LifecycleError('invalid_definition')`, naming the rule broken, for
 * a malformed definition (wrong types, unknown fields, bad or clashing names,
 * `__proto__`, transitions or timers naming unknown statuses) and for one
 * that breaks the lifecycle rules: unreachable statuses, a non-final status
 * with no way out, a final status with a way out, a cycle through other
 * statuses. Never returns a partly valid channel.
 *
 * @example
 * const push = defineChannel({
 *   name: 'push',
 *   statuses: {
 *     queued: { description: 'Waiting for the push service.' },
 *     sent: { description: 'The push service took it.' },
 *     opened: { description: 'The user tapped it.', final: true },
 *     failed: { description: 'The push service refused it.', final: true },
 *   },
 *   initial: 'queued',
 *   transitions: { queued: ['sent', 'failed'], sent: ['opened'] },
 * });
 * // push: CompiledLifecycle<'queued' | 'sent' | 'opened' | 'failed'>
 * canTransition(push, 'queued', 'sent'); // true
 * applyStatus(push, 'queued', 'opened').implied; // ['sent']
 */
export function defineChannel<const S extends string>(definition: ChannelDefinition<S>): CompiledLifecycle<S> {
  const shape = readDefinition(definition as unknown);
  return compileLifecycle<S>(buildMachine(shape), { name: shape.name });
}

interface Shape {
  readonly name: string;
  readonly statuses: readonly { readonly name: string; readonly description: string; readonly final: boolean }[];
  readonly initial: string;
  readonly transitions: ReadonlyMap<string, readonly string[]>;
  readonly timers: readonly TimerDefinition[];
}

function refuse(channel: string | undefined, message: string): LifecycleError {
  return new LifecycleError('invalid_definition', `${channel ?? 'channel definition'}: ${message}`, { channel });
}

/** A plain object literal or JSON object (a class instance or array is not a definition). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function checkKeys(channel: string | undefined, what: string, value: Record<string, unknown>, allowed: ReadonlySet<string>): void {
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) throw refuse(channel, `${what} has an unknown field ${show(key)} (allowed: ${[...allowed].join(', ')})`);
  }
}

/** Definition-shape checks only; the lifecycle rules are compileLifecycle's, on the built machine. */
function readDefinition(input: unknown): Shape {
  if (!isPlainObject(input)) throw refuse(undefined, `a channel definition must be a plain object, got ${show(input)}`);
  const rawName = input.name;
  if (typeof rawName !== 'string' || !NAME.test(rawName)) {
    throw refuse(undefined, `name must be a letter followed by up to 63 letters, digits, _ or -, got ${show(rawName)}`);
  }
  const name = rawName;
  if ((CHANNELS as readonly string[]).includes(name.toLowerCase())) {
    throw refuse(name, `the name clashes with the built-in channel ${name.toLowerCase()}`);
  }
  checkKeys(name, 'the definition', input, DEFINITION_KEYS);

  const rawStatuses = input.statuses;
  if (!isPlainObject(rawStatuses)) {
    // An object literal's `__proto__: {…}` sets the prototype instead of adding a status.
    const hint = typeof rawStatuses === 'object' && rawStatuses !== null && !Array.isArray(rawStatuses)
      ? ' (its prototype is not Object.prototype: was __proto__ used as a status name?)'
      : `, got ${show(rawStatuses)}`;
    throw refuse(name, `statuses must be a plain object of status name → { description, final? }${hint}`);
  }
  const keys = Object.keys(rawStatuses);
  if (keys.length === 0) throw refuse(name, 'the definition has no statuses');
  const folded = new Map<string, string>();
  const statuses = keys.map((status) => {
    // Object.keys lists __proto__ only when it came from JSON.parse; refuse it by name.
    if (status === '__proto__') throw refuse(name, 'a status may not be named __proto__');
    if (!NAME.test(status)) {
      throw refuse(name, `status name ${show(status)} must be a letter followed by up to 63 letters, digits, _ or -`);
    }
    const clash = folded.get(status.toLowerCase());
    if (clash !== undefined) throw refuse(name, `statuses ${clash} and ${status} differ only in letter case`);
    folded.set(status.toLowerCase(), status);
    const spec = rawStatuses[status];
    if (!isPlainObject(spec)) throw refuse(name, `status ${status} must be an object { description, final? }, got ${show(spec)}`);
    checkKeys(name, `status ${status}`, spec, STATUS_KEYS);
    if (typeof spec.description !== 'string' || spec.description.trim() === '') {
      throw refuse(name, `status ${status} needs a description (a non-empty string), got ${show(spec.description)}`);
    }
    if (spec.final !== undefined && typeof spec.final !== 'boolean') {
      throw refuse(name, `final of status ${status} must be true or false, got ${show(spec.final)}`);
    }
    return { name: status, description: spec.description, final: spec.final === true };
  });
  const known = new Set(keys);
  const requireStatus = (value: unknown, where: string): string => {
    if (typeof value !== 'string' || !known.has(value)) throw refuse(name, `${where} ${show(value)} is not a status of the channel`);
    return value;
  };

  const initial = requireStatus(input.initial, 'the initial status');

  const rawTransitions = input.transitions;
  if (!isPlainObject(rawTransitions)) {
    throw refuse(name, `transitions must be a plain object of status → list of statuses, got ${show(rawTransitions)}`);
  }
  const transitions = new Map<string, readonly string[]>();
  for (const from of Object.keys(rawTransitions)) {
    requireStatus(from, 'the transitions list a status');
    const targets = rawTransitions[from];
    if (!Array.isArray(targets)) throw refuse(name, `the transitions from ${from} must be a list of statuses, got ${show(targets)}`);
    const seen = new Set<string>();
    for (const to of targets as unknown[]) {
      requireStatus(to, `the transitions from ${from} name`);
      if (seen.has(to as string)) throw refuse(name, `the transitions from ${from} list ${to as string} twice`);
      seen.add(to as string);
    }
    transitions.set(from, [...seen]);
  }

  const rawTimers = input.timers ?? [];
  if (!Array.isArray(rawTimers)) throw refuse(name, `timers must be a list of { from, to, afterMs }, got ${show(rawTimers)}`);
  const timed = new Set<string>();
  const timers = (rawTimers as unknown[]).map((timer, i): TimerDefinition => {
    if (!isPlainObject(timer)) throw refuse(name, `timer ${i} must be an object { from, to, afterMs }, got ${show(timer)}`);
    checkKeys(name, `timer ${i}`, timer, TIMER_KEYS);
    const from = requireStatus(timer.from, `timer ${i} starts from`);
    const to = requireStatus(timer.to, `timer ${i} leads to`);
    const ms = timer.afterMs;
    if (typeof ms !== 'number' || !Number.isInteger(ms) || ms <= 0 || ms > MAX_TIMER_MS) {
      // setTimeout fires at once for delays above 2^31 - 1 ms (about 24.8 days).
      throw refuse(name, `timer ${i}: afterMs must be a whole number of ms from 1 to ${MAX_TIMER_MS}, got ${show(ms)}`);
    }
    if (from === to) throw refuse(name, `timer ${i} leads from ${from} to itself`);
    if (timed.has(from)) throw refuse(name, `status ${from} has more than one timer; only the shortest could ever fire`);
    timed.add(from);
    if (!transitions.get(from)?.includes(to)) {
      throw refuse(name, `timer ${i} (${from} → ${to}) must also be listed in transitions, so a report of ${to} is legal`);
    }
    return { from, to, afterMs: ms };
  });

  return { name, statuses, initial, transitions, timers };
}

/** The xstate machine of a definition: the source of truth the tables are compiled from. */
function buildMachine(shape: Shape): AnyStateMachine {
  const repeats: Record<string, number> = {};
  type Args = { context: ChannelContext; event: StatusEvent<string>; system: unknown };
  const delays: Record<string, (args: Args) => number> = {};
  const states = Object.fromEntries(
    shape.statuses.map(({ name: status, description, final }) => {
      const on = Object.fromEntries(
        (shape.transitions.get(status) ?? []).map((to) => {
          if (to !== status) return [to, { target: to }];
          repeats[status] = 0;
          // Targetless with an action: a counted repeat that stays put (and that snapshot.can() sees).
          return [to, { actions: assign({ repeats: ({ context }: { context: ChannelContext }) => ({ ...context.repeats, [status]: context.repeats[status] + 1 }) }) }];
        }),
      );
      const timer = shape.timers.find((t) => t.from === status);
      if (timer === undefined) return [status, { description, ...(final ? { type: 'final' } : {}), on }];
      const { afterMs } = timer;
      // The full delay before a deadline is set: what compileLifecycle reads as the default.
      delays[status] = ({ context, system }) => (context.deadline === null ? afterMs : timeUntil(context.deadline, system));
      return [
        status,
        {
          description,
          ...(final ? { type: 'final' } : {}),
          on,
          // Entry actions run before xstate schedules the `after` timer, so its delay sees the deadline.
          entry: assign({ deadline: ({ event, system }: Args) => (eventTime(event.at) ?? actorNow(system)) + afterMs }),
          exit: assign({ deadline: null }),
          after: { [status]: { target: timer.to } },
        },
      ];
    }),
  );
  // Built at run time, so its literal types cannot be checked statically;
  // compileLifecycle checks the machine it produces instead.
  const config = { id: shape.name, initial: shape.initial, context: { repeats, deadline: null }, states } as MachineConfig<ChannelContext, StatusEvent<string>, never, never, never, never>;
  return setup({ types: { context: {} as ChannelContext, events: {} as StatusEvent<string> }, delays: delays as never }).createMachine(config);
}
