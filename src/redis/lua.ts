import type { CompiledLifecycle } from '../compile';
import { Relation } from '../compile';

/**
 * The Lua scripts of the Redis store. The mechanism is written here once;
 * the rules are not: every decision table the scripts read (which incoming
 * status applies on which stored one, the statuses it implies, timers, final
 * statuses) is generated from the compiled lifecycles as a Lua table
 * literal, statuses as integer ids. No status name appears in the Lua.
 */

/** A Lua string literal for any JS string (decimal escapes of the UTF-8 bytes outside printable ASCII). */
export function luaString(text: string): string {
  let out = '"';
  for (const byte of Buffer.from(text, 'utf8')) {
    if (byte >= 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x5c) out += String.fromCharCode(byte);
    else out += `\\${byte}`;
  }
  return `${out}"`;
}

/**
 * `D[channel]`: `n` statuses, `initial` id, `final[id]`, `timers` ({from, to}
 * in `CompiledLifecycle.timers` order), and per policy (`t` tolerant, `s`
 * strict) `[from][to]` = the ids the report moves through (implied ones, then
 * `to`), present only where the report applies.
 */
export function decisionTables(lifecycles: readonly CompiledLifecycle[], policies: readonly ('t' | 's')[] = ['t', 's']): string {
  const channels = lifecycles.map((l) => {
    const n = l.size;
    const policy = (tolerant: boolean) => {
      const rows: string[] = [];
      for (let from = 0; from < n; from++) {
        const cells: string[] = [];
        for (let to = 0; to < n; to++) {
          const rel = l.relation[from * n + to];
          if (rel !== Relation.legal && !(tolerant && rel === Relation.skipped)) continue;
          cells.push(`[${to}]={${[...l.implied[from * n + to], to].join(',')}}`);
        }
        if (cells.length > 0) rows.push(`[${from}]={${cells.join(',')}}`);
      }
      return `{${rows.join(',')}}`;
    };
    const finals: string[] = [];
    l.final.forEach((f, id) => {
      if (f === 1) finals.push(`[${id}]=true`);
    });
    const timers = l.timers.map((t) => `{f=${t.from},t=${t.to}}`).join(',');
    const tables = policies.map((p) => `${p}=${policy(p === 't')}`).join(',');
    return `[${luaString(l.name)}]={n=${n},initial=${l.initial},final={${finals.join(',')}},timers={${timers}}${tables === '' ? '' : `,${tables}`}}`;
  });
  return `local D={${channels.join(',')}}`;
}

/** Helpers shared by the scripts: number formatting, counts, deadlines, timer firing, the write of a message. */
const PRELUDE = `
local function fmt(x) return string.format('%.17g', x) end
local function split(s)
  local out = {}
  for part in string.gmatch(s, '[^,]+') do out[#out + 1] = tonumber(part) end
  return out
end
local function zeros(n)
  local out = {}
  for i = 1, n do out[i] = 0 end
  return out
end
-- The earliest deadline of status st's timers from since, or '' when it has none.
local function deadlineOf(L, st, since, delays)
  local best = nil
  for i, tm in ipairs(L.timers) do
    if tm.f == st then
      local d = tonumber(since) + delays[i]
      if best == nil or d < best then best = d end
    end
  end
  if best == nil then return '' end
  return fmt(best)
end
-- The status the timer of st leads to (the shortest delay, then the first), or nil.
local function timerTo(L, st, delays)
  local to, best = nil, nil
  for i, tm in ipairs(L.timers) do
    if tm.f == st and (best == nil or delays[i] < best) then to, best = tm.t, delays[i] end
  end
  return to
end
-- When a message may leave (its final record handed to onArchive first): retain after its last write when final,
-- idle after it when nothing is pending, never while a timer is pending.
local function leaveAt(L, st, dl, now, retain, idle)
  if L.final[st] then return now + retain end
  if dl == '' and idle >= 0 then return now + idle end
  return nil
end
local function save(keys, mid, L, ch, m, now, retain, idle, fresh)
  redis.call('HSET', keys.m, 'c', ch, 's', m.s, 'v', m.v, 'n', table.concat(m.counts, ','), 'since', m.since, 'dl', m.dl, 'dy', table.concat(m.delays, ','), 'u', fmt(now), 'id', mid)
  if fresh then
    redis.call('HSET', keys.m, 'first', fmt(now))
    redis.call('ZADD', keys.ids, now, mid)
  end
  if m.dl == '' then redis.call('ZREM', keys.due, mid) else redis.call('ZADD', keys.due, m.dl, mid) end
  local at = leaveAt(L, m.s, m.dl, now, retain, idle)
  if at == nil then redis.call('ZREM', keys.idle, mid) else redis.call('ZADD', keys.idle, at, mid) end
end
local function load(mk)
  local r = redis.call('HMGET', mk, 'c', 's', 'v', 'n', 'since', 'dl', 'dy')
  if not r[1] then return nil end
  return { c = r[1], s = tonumber(r[2]), v = tonumber(r[3]), counts = split(r[4]), since = r[5], dl = r[6], delays = split(r[7]) }
end
-- Fires m's timer if it is due by now: appends the timer's history entry to rows. True when it fired.
local function fireDue(L, m, now, rows)
  if m.dl == '' or tonumber(m.dl) > now then return false end
  local to = timerTo(L, m.s, m.delays)
  if to == nil then
    m.dl = ''
    return false
  end
  m.v = m.v + 1
  rows[#rows + 1] = cjson.encode({ q = m.v, f = m.s, t = to, tm = 1, at = m.dl, r = fmt(now) })
  m.counts[to + 1] = m.counts[to + 1] + 1
  m.since = m.dl
  m.s = to
  m.dl = deadlineOf(L, to, m.since, m.delays)
  return true
end
`;

/**
 * Applies a list of reports to messages of one bucket (one hash slot), in
 * order, atomically. KEYS: due, idle, ids, then m, h, e per report. ARGV:
 * now, policy ('t'/'s'), retain ms, idle ms (-1 never), count, then 7 per
 * report: message id, channel, status id (-1 none of the channel's),
 * provider id ('' none), at ('' none), detail ('' none, else '=' + text),
 * delays (for a message this call records). Returns per report a flag and
 * the status decided on (`a`pplied, `d`uplicate id, `n`othing applies), or
 * `c` and the channel the message is stored under (by an earlier call or an
 * earlier report of this one): that report changes nothing.
 */
export function applyScript(lifecycles: readonly CompiledLifecycle[], policy: 't' | 's'): string {
  // Only the channels of the call and its policy: the table literal is built on every run of the script.
  return `${decisionTables(lifecycles, [policy])}
${PRELUDE}
local now = tonumber(ARGV[1])
local pol = ARGV[2]
local retain = tonumber(ARGV[3])
local idle = tonumber(ARGV[4])
local count = tonumber(ARGV[5])
local out = {}
-- A provider id met earlier in the same call is a duplicate whatever that report's outcome, as reconcile folds a batch.
local met = {}
for k = 0, count - 1 do
  local a = 6 + k * 7
  local mid, ch, st, eid, at, det = ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2]), ARGV[a + 3], ARGV[a + 4], ARGV[a + 5]
  local keys = { due = KEYS[1], idle = KEYS[2], ids = KEYS[3], m = KEYS[4 + k * 3], h = KEYS[5 + k * 3], e = KEYS[6 + k * 3] }
  -- Stored (or created earlier in this call) under another channel: this report changes nothing.
  local stored = redis.call('HGET', keys.m, 'c')
  if stored and stored ~= ch then
    out[k + 1] = 'c' .. stored
  else
  local L = D[ch]
  local m = load(keys.m)
  local fresh = m == nil
  if fresh then
    m = { c = ch, s = L.initial, v = 0, counts = zeros(L.n), since = fmt(now), delays = split(ARGV[a + 6]) }
    m.dl = deadlineOf(L, L.initial, m.since, m.delays)
  end
  local rows = {}
  local dl0 = m.dl
  fireDue(L, m, now, rows)
  local from = m.s
  local flag = 'n'
  local metKey = mid .. '\\0' .. eid
  if eid ~= '' and (met[metKey] or redis.call('SISMEMBER', keys.e, eid) == 1) then
    flag = 'd'
  elseif st >= 0 and L[pol][from] and L[pol][from][st] then
    flag = 'a'
    local path = L[pol][from][st]
    local prev = from
    for j, p in ipairs(path) do
      local row = { q = m.v + j, f = prev, t = p, r = fmt(now) }
      if j < #path then
        row.i = 1
      else
        if eid ~= '' then row.id = eid end
        if at ~= '' then row.at = at end
        if det ~= '' then row.d = string.sub(det, 2) end
      end
      rows[#rows + 1] = cjson.encode(row)
      m.counts[p + 1] = m.counts[p + 1] + 1
      prev = p
    end
    m.v = m.v + #path
    if st ~= from then
      if at ~= '' then m.since = at else m.since = fmt(now) end
      m.dl = deadlineOf(L, st, m.since, m.delays)
    end
    m.s = st
    if eid ~= '' then redis.call('SADD', keys.e, eid) end
  end
  if #rows > 0 then
    redis.call('RPUSH', keys.h, unpack(rows))
    save(keys, mid, L, ch, m, now, retain, idle, fresh)
  elseif not fresh and m.dl ~= dl0 then
    -- a due deadline of a status without a timer: cleared, as the PostgreSQL sweep does
    redis.call('HSET', keys.m, 'dl', '')
    redis.call('ZREM', keys.due, mid)
  end
  if eid ~= '' then met[metKey] = true end
  out[k + 1] = flag .. from
  end
end
return out`;
}

/**
 * Records a message at its initial status unless stored. KEYS: due, idle,
 * ids, m. ARGV: now, channel, message id, since, delays, registered-at ('' none),
 * retain, idle. Returns `{1|0, stored channel}`.
 */
export function registerScript(lifecycles: readonly CompiledLifecycle[]): string {
  return `${decisionTables(lifecycles, [])}
${PRELUDE}
local now = tonumber(ARGV[1])
local ch, mid = ARGV[2], ARGV[3]
local c = redis.call('HGET', KEYS[4], 'c')
if c then return { 0, c } end
local L = D[ch]
local m = { c = ch, s = L.initial, v = 0, counts = zeros(L.n), since = ARGV[4], delays = split(ARGV[5]) }
m.dl = deadlineOf(L, L.initial, m.since, m.delays)
local keys = { due = KEYS[1], idle = KEYS[2], ids = KEYS[3], m = KEYS[4] }
save(keys, mid, L, ch, m, now, tonumber(ARGV[7]), tonumber(ARGV[8]), true)
if ARGV[6] ~= '' then redis.call('HSET', KEYS[4], 'reg', ARGV[6]) end
return { 1, ch }`;
}

/**
 * Fires the due timers of chosen messages of one bucket, each only if its
 * deadline is still the one read and due (another sweeper or an apply may
 * have moved it since). KEYS: due, idle, ids, then m, h per message. ARGV:
 * now, retain, idle, count, then per message its id and the deadline read.
 * Returns the ids moved.
 */
export function sweepScript(lifecycles: readonly CompiledLifecycle[]): string {
  return `${decisionTables(lifecycles, [])}
${PRELUDE}
local now = tonumber(ARGV[1])
local retain, idle, count = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local moved = {}
for k = 0, count - 1 do
  local mid, seen = ARGV[5 + k * 2], ARGV[6 + k * 2]
  local keys = { due = KEYS[1], idle = KEYS[2], ids = KEYS[3], m = KEYS[4 + k * 2], h = KEYS[5 + k * 2] }
  local m = load(keys.m)
  if m == nil then
    redis.call('ZREM', keys.due, mid)
  elseif m.dl ~= '' and tonumber(m.dl) == tonumber(seen) and tonumber(m.dl) <= now and D[m.c] then
    local L = D[m.c]
    local rows = {}
    if fireDue(L, m, now, rows) then
      redis.call('RPUSH', keys.h, unpack(rows))
      moved[#moved + 1] = mid
    end
    save(keys, mid, L, m.c, m, now, retain, idle, false)
  end
end
return moved`;
}

/**
 * Removes archived messages of one bucket, each only if it is still due to
 * leave and unchanged since it was read (version). KEYS: idle, due, ids, then
 * m, h, e per message. ARGV: now, count, then per message id and version.
 * Returns the ids removed.
 */
export const DROP_SCRIPT = `
local now = tonumber(ARGV[1])
local count = tonumber(ARGV[2])
local gone = {}
for k = 0, count - 1 do
  local mid, v = ARGV[3 + k * 2], ARGV[4 + k * 2]
  local at = redis.call('ZSCORE', KEYS[1], mid)
  local stored = redis.call('HGET', KEYS[4 + k * 3], 'v')
  if at and tonumber(at) <= now and stored == v then
    redis.call('DEL', KEYS[4 + k * 3], KEYS[5 + k * 3], KEYS[6 + k * 3])
    redis.call('ZREM', KEYS[1], mid)
    redis.call('ZREM', KEYS[2], mid)
    redis.call('ZREM', KEYS[3], mid)
    gone[#gone + 1] = mid
  end
end
return gone`;
