import type { ChannelRef, StatusReport } from '../src';
import { deliveredStream, legalPath, rng, shuffle } from '../test/support/postgres';

/** What bench/redis.ts and bench/redis-cpu.ts share: the workload and the references. */

// deliveredStream's reports carry times from 1_700_000_000_000 on; the stores' clock stands an hour later.
export const streamClock = (): number => 1_700_000_000_000 + 3_600_000;

export interface Item {
  readonly messageId: string;
  readonly channel: ChannelRef;
  readonly event: StatusReport;
}

/**
 * `messages` messages (SMS and e-mail alternating), each one's legal report
 * stream with about a third repeated, shuffled 400 reports at a time.
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

/**
 * Two references for the Redis store's apply: a Redis 7 library, loaded on every master, whose
 * functions take the store's own call shape (4 keys and its arguments, see
 * src/redis/lua.ts). `floor_call` does nothing: the cost of the call's shape
 * alone, which no store can beat. `floor_writes` does an applied report's
 * reads and writes for every report, deciding nothing: the HMGET of the
 * message's state, idle score and event-id field, the RPUSH of a history
 * row and the HSET of the state and the event id.
 */
export const FLOOR_LIBRARY = `#!lua name=dl_bench_floor
redis.register_function('floor_call', function(keys, args) return 'a' end)
redis.register_function('floor_writes', function(keys, args)
  local r = redis.call('HMGET', keys[3], 'st', 'lv', '#' .. args[7])
  local v = r[1] and tonumber(string.match(r[1], '^%S+ (%S+)')) + 1 or 1
  redis.call('RPUSH', keys[4], '{"q":' .. v .. ',"f":0,"t":2,"r":"' .. args[1] .. '","id":' .. args[7] .. '}')
  redis.call('HSET', keys[3], 'st', '2 ' .. v .. ' ' .. args[1], '#' .. args[7], '1')
  return 'a'
end)`;

/** The store's keys and arguments for one report (now, keepAt, idleAt, message id, channel, status, id, at, detail, delays, deadline), under keys tagged `tag`. */
export function floorArgs(tag: string, messageId: string, channel: string, eventId: string | undefined, now: number): string[] {
  const id = eventId === undefined ? '' : JSON.stringify(eventId);
  return [`${tag}due`, `${tag}idle`, `${tag}m`, `${tag}h`, String(now), String(now + 604_800_000), '', messageId, channel, '2', id, String(now - 3_600_000), '', '172800000', ''];
}
