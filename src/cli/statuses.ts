import { lifecycleOf, type ChannelRef } from '../catalog';
import { formatDelay } from '../diagram/model';
import type { CliIo } from './io';

/** One status as `statuses --json` prints it. */
export interface StatusInfo {
  readonly status: string;
  readonly description: string;
  readonly initial: boolean;
  readonly final: boolean;
  /** Statuses that may legally be reported next (itself for a counted repeat). */
  readonly next: readonly string[];
  /** Statuses the machine moves to by itself, with the delay in ms. */
  readonly timers: readonly { readonly to: string; readonly delayMs: number | null }[];
}

/**
 * The catalog of a channel, from its compiled tables.
 *
 * @example statusInfo('sms')[0] // { status: 'REGISTERED', initial: true, final: false, next: ['SUBMITTED', 'FAILED'], … }
 */
export function statusInfo(channel: ChannelRef): StatusInfo[] {
  const lifecycle = lifecycleOf(channel);
  const { statuses } = lifecycle;
  return statuses.map((status, id) => ({
    status,
    description: lifecycle.descriptions[id],
    initial: id === lifecycle.initial,
    final: lifecycle.final[id] === 1,
    next: lifecycle.next[id].map((to) => statuses[to]),
    timers: lifecycle.timers.filter((t) => t.from === id).map((t) => ({ to: statuses[t.to], delayMs: t.delayMs ?? null })),
  }));
}

/**
 * `statuses <channel>`: prints the catalog (text or JSON); always exit 0.
 *
 * @example runStatuses(io, 'email', true)
 */
export function runStatuses(io: CliIo, channel: ChannelRef, json: boolean): number {
  const info = statusInfo(channel);
  if (json) {
    io.stdout.write(`${JSON.stringify({ channel: lifecycleOf(channel).name, statuses: info }, null, 2)}\n`);
    return 0;
  }
  const out: string[] = [];
  for (const s of info) {
    const marks = [s.initial ? 'initial' : '', s.final ? 'final' : ''].filter(Boolean).join(', ');
    out.push(marks ? `${s.status} (${marks})` : s.status);
    out.push(`  ${s.description}`);
    if (!s.final) {
      const timed = s.timers.map((t) => `${t.to} by itself after ${t.delayMs === null ? 'a delay' : formatDelay(t.delayMs)}`);
      out.push(`  next: ${[s.next.map((n) => (n === s.status ? `${n} (repeat)` : n)).join(', '), ...timed].join('; ')}`);
    }
  }
  io.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
