/**
 * Two references for the Redis store's apply, for bench/redis.ts and
 * bench/redis-cpu.ts: a Redis 7 library, loaded on every master, whose
 * functions take the store's own call shape (3 keys and its arguments, see
 * src/redis/lua.ts). `floor_call` does nothing: the cost of the call's shape
 * alone, which no store can beat. `floor_writes` does an applied report's
 * reads and writes for every report, deciding nothing: the HMGET of the
 * message's state, leave time and event-id field, then one HSET of the
 * state, a history row and the event id, all in the message's hash, as the
 * store lays them out.
 */
export const FLOOR_LIBRARY = `#!lua name=dl_bench_floor
redis.register_function('floor_call', function(keys, args) return 'a' end)
redis.register_function('floor_writes', function(keys, args)
  local r = redis.call('HMGET', keys[3], 'st', 'lv', '#' .. args[7])
  local v = r[1] and tonumber(string.match(r[1], '^%S+ (%S+)')) + 1 or 1
  local q = tostring(v)
  redis.call('HSET', keys[3], 'st', '2 ' .. q .. ' ' .. args[1], q, '0 2 ' .. args[1] .. ' ' .. args[8] .. ' ', '#' .. args[7], q)
  return 'a'
end)`;

/** The store's keys and arguments for one report (now, keepAt, idleAt, message id, channel, status, id, at, detail, delays, deadline), under keys tagged `tag`. */
export function floorArgs(tag: string, messageId: string, channel: string, eventId: string | undefined, now: number): string[] {
  const id = eventId === undefined ? '' : JSON.stringify(eventId);
  return [`${tag}due`, `${tag}idle`, `${tag}m`, String(now), String(now + 604_800_000), '', messageId, channel, '2', id, String(now - 3_600_000), '', '172800000', ''];
}
