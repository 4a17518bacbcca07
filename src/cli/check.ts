import { lifecycleOf, type ChannelRef } from '../catalog';
import type { CompiledLifecycle } from '../lifecycle';
import { isLifecycleError } from '../errors';
import { parseStatus } from '../parse';
import { applyStatus, type Policy } from '../reconcile';
import { canTransition } from '../validate';
import type { CliIo } from './io';

/** What `check --json` prints. */
export interface CheckOutput {
  readonly channel: string;
  readonly from: string;
  readonly to: string;
  readonly policy: Policy;
  /** False only when the event would be rejected; an ignored (duplicate, late) one is fine. */
  readonly ok: boolean;
  /** What a consumer with this policy does with a `to` report while at `from`. */
  readonly decision: 'applied' | 'ignored' | 'rejected';
  /** Whether `from → to` is a legal direct transition. */
  readonly legal: boolean;
  /** Why it is not a legal direct transition (absent when it is). */
  readonly code?: string;
  /** For `unknown_status` / `inapplicable_status`: which argument was at fault. */
  readonly side?: 'from' | 'to';
  /** Statuses an early report implies, between `from` and `to`. */
  readonly implied: readonly string[];
  readonly message: string;
}

/**
 * Decides `from → to` under `policy` with `applyStatus`; status names in any
 * letter case. Never throws for bad statuses: they are `rejected` results.
 *
 * @example check('email', 'SUBMITTED', 'OPEN', 'tolerant').decision // 'applied'
 */
export function check(channelRef: ChannelRef, from: string, to: string, policy: Policy): CheckOutput {
  const lifecycle: CompiledLifecycle = lifecycleOf(channelRef);
  const channel = lifecycle.name;
  let exactFrom: string;
  let exactTo: string;
  try {
    exactFrom = parseStatus(lifecycle, from);
  } catch (error) {
    if (!isLifecycleError(error)) throw error;
    return { channel, from, to, policy, ok: false, decision: 'rejected', legal: false, code: error.code, side: 'from', implied: [], message: error.message };
  }
  try {
    exactTo = parseStatus(lifecycle, to);
  } catch (error) {
    if (!isLifecycleError(error)) throw error;
    return { channel, from: exactFrom, to, policy, ok: false, decision: 'rejected', legal: false, code: error.code, side: 'to', implied: [], message: error.message };
  }
  const result = applyStatus(lifecycle, exactFrom, exactTo, { policy });
  return {
    channel,
    from: exactFrom,
    to: exactTo,
    policy,
    ok: result.outcome !== 'rejected',
    decision: result.outcome,
    legal: canTransition(lifecycle, exactFrom, exactTo),
    ...(result.code === undefined ? {} : { code: result.code }),
    implied: [...result.implied],
    message: result.message ?? `${channel}: ${exactFrom} → ${exactTo} is a legal transition`,
  };
}

/**
 * `check <channel> <from> <to>`: exit 0 when applied or ignored, 1 when rejected.
 *
 * @example runCheck(io, 'sms', 'DELIVERED', 'SUBMITTED', 'tolerant', false) // 0: a late report is ignored
 */
export function runCheck(io: CliIo, channel: ChannelRef, from: string, to: string, policy: Policy, json: boolean): number {
  const result = check(channel, from, to, policy);
  if (json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    const head = result.code === undefined ? result.decision : `${result.decision} (${result.code}${result.side ? ` in ${result.side}` : ''})`;
    const implied = result.implied.length > 0 ? `\n  implies: ${result.implied.join(', ')}` : '';
    io.stdout.write(`${head}: ${result.message}${implied}\n`);
  }
  return result.ok ? 0 : 1;
}
