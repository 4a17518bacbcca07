import type { EmailStatus } from '../machines/email';
import type { SmsStatus } from '../machines/sms';
import { LifecycleError } from './errors';
import { GENERATED_TABLES } from './generated/lifecycles';
import { fromTables, isCompiledLifecycle, type CompiledLifecycle } from './lifecycle';
import { describeRejection } from './messages';
import type { Channel } from './vocabulary';

export { CHANNELS, STATUSES, type Channel, type Status } from './vocabulary';
export type { EmailStatus, SmsStatus };

/** A channel as the API takes it: a built-in name or a compiled custom lifecycle. */
export type ChannelRef = Channel | CompiledLifecycle<string>;

/** The statuses a channel uses. */
export type StatusOf<C> = C extends 'sms'
  ? SmsStatus
  : C extends 'email'
    ? EmailStatus
    : C extends CompiledLifecycle<infer S>
      ? S
      : never;

// The built-in channels' tables, generated from their machines at build time
// (scripts/generate.ts): no xstate is loaded, and no machine is created. Each
// is built on its first use, so a process that only sees SMS never builds
// the e-mail tables, and loading the package builds nothing.
let SMS: CompiledLifecycle<SmsStatus> | undefined;
let EMAIL: CompiledLifecycle<EmailStatus> | undefined;

/**
 * The compiled tables behind a channel, or `undefined` when `channel` is
 * not one (any value is accepted; nothing throws).
 */
export function lifecycleOf<C extends ChannelRef>(channel: C): CompiledLifecycle<StatusOf<C>>;
export function lifecycleOf(channel: unknown): CompiledLifecycle | undefined;
export function lifecycleOf(channel: unknown): CompiledLifecycle | undefined {
  if (channel === 'sms') return SMS ?? (SMS = fromTables<SmsStatus>(GENERATED_TABLES.sms));
  if (channel === 'email') return EMAIL ?? (EMAIL = fromTables<EmailStatus>(GENERATED_TABLES.email));
  return isCompiledLifecycle(channel) ? channel : undefined;
}

/** Like {@link lifecycleOf}, but throws `LifecycleError('unknown_channel')`. */
export function requireLifecycle(channel: unknown): CompiledLifecycle {
  const lifecycle = lifecycleOf(channel);
  if (lifecycle === undefined) {
    throw new LifecycleError('unknown_channel', describeRejection('unknown_channel', { channel }), {
      channel: typeof channel === 'string' ? channel : undefined,
    });
  }
  return lifecycle;
}

/** The id of `status` in `lifecycle`, or throws `unknown_status` / `inapplicable_status`. */
export function requireStatusId(lifecycle: CompiledLifecycle, status: unknown, side: 'from' | 'to' = 'from'): number {
  const id = lifecycle.lookup.get(status as string);
  if (id !== undefined && id >= 0) return id;
  const code = id === undefined ? 'unknown_status' : 'inapplicable_status';
  throw new LifecycleError(code, describeRejection(code, { channel: lifecycle.name, side, status }), {
    channel: lifecycle.name,
    [side]: status,
  });
}

/** The statuses a channel uses, in the order its machine defines them. Throws for an unknown channel. */
export function statusesFor<C extends ChannelRef>(channel: C): readonly StatusOf<C>[] {
  return requireLifecycle(channel).statuses as readonly StatusOf<C>[];
}

/** Whether `status` (an exact name) is used by `channel`. Never throws: false for anything else. */
export function isApplicable(channel: unknown, status: unknown): boolean {
  const lifecycle = lifecycleOf(channel);
  if (lifecycle === undefined) return false;
  const id = lifecycle.lookup.get(status as string);
  return id !== undefined && id >= 0;
}

/** The status every message of the channel starts in (SMS: REGISTERED, e-mail: SUBMITTED). */
export function initialStatus<C extends ChannelRef>(channel: C): StatusOf<C> {
  const lifecycle = requireLifecycle(channel);
  return lifecycle.statuses[lifecycle.initial] as StatusOf<C>;
}

/** Whether nothing may follow `status`. Throws `LifecycleError` for a status the channel does not use. */
export function isFinal<C extends ChannelRef>(channel: C, status: StatusOf<C>): boolean {
  const lifecycle = requireLifecycle(channel);
  return lifecycle.final[requireStatusId(lifecycle, status)] === 1;
}

/** The statuses that may legally follow `from` (self-loops included). Throws for a status the channel does not use. */
export function nextStatuses<C extends ChannelRef>(channel: C, from: StatusOf<C>): readonly StatusOf<C>[] {
  const lifecycle = requireLifecycle(channel);
  return lifecycle.next[requireStatusId(lifecycle, from)].map((id) => lifecycle.statuses[id]) as StatusOf<C>[];
}

/** What `status` means on `channel`, in one sentence. Throws for a status the channel does not use. */
export function describeStatus<C extends ChannelRef>(channel: C, status: StatusOf<C>): string {
  const lifecycle = requireLifecycle(channel);
  return lifecycle.descriptions[requireStatusId(lifecycle, status)];
}
