import type { ChannelRef, StatusReport } from '../src';
import { deliveredStream, legalPath, rng, shuffle } from '../test/support/postgres';

/** The report streams the store benchmarks apply (bench/postgres.ts, bench/redis.ts, bench/redis-cpu.ts). */

// deliveredStream's reports carry times from 1_700_000_000_000 on; the stores' clock stands an hour later.
export const streamClock = (): number => 1_700_000_000_000 + 3_600_000;

export interface Item {
  readonly messageId: string;
  readonly channel: ChannelRef;
  readonly event: StatusReport;
}

/**
 * `messages` messages (SMS and e-mail alternating), each one's legal report
 * stream with about a third repeated, shuffled 400 reports at a time so
 * that one message's reports overlap in time, as webhooks do.
 */
export function workload(prefix: string, seed: number, messages: number): Item[] {
  const random = rng(seed);
  const items: Item[] = [];
  for (let i = 0; i < messages; i++) {
    const channel: ChannelRef = i % 2 === 0 ? 'sms' : 'email';
    const messageId = `${prefix}-${i}`;
    for (const event of deliveredStream(messageId, legalPath(channel, random), random)) items.push({ messageId, channel, event });
  }
  const out: Item[] = [];
  for (let i = 0; i < items.length; i += 400) out.push(...shuffle(items.slice(i, i + 400), random));
  return out;
}

