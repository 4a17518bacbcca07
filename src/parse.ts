import { requireLifecycle, type ChannelRef, type StatusOf } from './catalog';
import { INAPPLICABLE, type CompiledLifecycle } from './lifecycle';
import { LifecycleError } from './errors';
import { perLifecycle } from './internal/memo';
import { describeRejection } from './messages';

/** Lower-cased vocabulary → exact name (applicable or not), per lifecycle. */
const foldedOf = perLifecycle((lifecycle: CompiledLifecycle) => {
  const folded = new Map<string, string>();
  for (const word of lifecycle.vocabulary) folded.set(word.toLowerCase(), word);
  return folded;
});

/**
 * The exact vocabulary name `input` spells in any letter case, with
 * surrounding blanks (applicable or not), or `undefined`: the rule of
 * {@link parseStatus}, without throwing, for code that judges the name later.
 *
 * @example foldStatus(lifecycleOf('sms'), 'delivered') // 'DELIVERED'
 */
export function foldStatus(lifecycle: CompiledLifecycle, input: string): string | undefined {
  return foldedOf(lifecycle).get(input.trim().toLowerCase());
}

/**
 * Reads a status from untrusted input: a status name in any letter case,
 * with surrounding blanks. The only function that normalises; the rest take
 * exact names. Throws `LifecycleError` with `unknown_channel`,
 * `unknown_status` (not a catalog name, or not a string) or
 * `inapplicable_status` (a catalog name the channel does not use).
 *
 * @example parseStatus('email', ' delivered\n') // 'DELIVERED'
 */
export function parseStatus<C extends ChannelRef>(channel: C, input: unknown): StatusOf<C> {
  const lifecycle = requireLifecycle(channel);
  const name = typeof input === 'string' ? foldedOf(lifecycle).get(input.trim().toLowerCase()) : undefined;
  const id = name === undefined ? undefined : lifecycle.lookup.get(name);
  if (name !== undefined && id !== undefined && id !== INAPPLICABLE) return name as StatusOf<C>;
  const code = name === undefined ? 'unknown_status' : 'inapplicable_status';
  throw new LifecycleError(code, describeRejection(code, { channel: lifecycle.name, status: input }), {
    channel: lifecycle.name,
    to: input,
  });
}
