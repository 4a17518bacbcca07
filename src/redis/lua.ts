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
 * `D[channel]`: `initial` id, `final[id]`, `timers` ({f, t} in
 * `CompiledLifecycle.timers` order), and per policy (`t` tolerant, `s`
 * strict) `[from][to]` = the ids the report moves through (implied ones, then
 * `to`), present only where the report applies. Status ids are the decimal
 * strings stored in the hash and sent as arguments, so the scripts never
 * convert a status between number and text.
 */
export function decisionTables(lifecycles: readonly CompiledLifecycle[], policies: readonly ('t' | 's')[] = ['t', 's']): string {
  const id = (n: number) => `"${n}"`;
  const channels = lifecycles.map((l) => {
    const n = l.size;
    const policy = (tolerant: boolean) => {
      const rows: string[] = [];
      for (let from = 0; from < n; from++) {
        const cells: string[] = [];
        for (let to = 0; to < n; to++) {
          const rel = l.relation[from * n + to];
          if (rel !== Relation.legal && !(tolerant && rel === Relation.skipped)) continue;
          cells.push(`[${id(to)}]={${[...l.implied[from * n + to], to].map(id).join(',')}}`);
        }
        if (cells.length > 0) rows.push(`[${id(from)}]={${cells.join(',')}}`);
      }
      return `{${rows.join(',')}}`;
    };
    const finals: string[] = [];
    l.final.forEach((f, status) => {
      if (f === 1) finals.push(`[${id(status)}]=true`);
    });
    const timers = l.timers.map((t) => `{f=${id(t.from)},t=${id(t.to)}}`).join(',');
    const tables = policies.map((p) => `${p}=${policy(p === 't')}`).join(',');
    return `[${luaString(l.name)}]={initial=${id(l.initial)},final={${finals.join(',')}},timers={${timers}}${tables === '' ? '' : `,${tables}`}}`;
  });
  return `local D={${channels.join(',')}}`;
}

/** Versions below this are converted between number and text by table lookups (built once per library load). */
const SMALL = 64;

/**
 * Helpers shared by the functions: number formatting, deadlines,
 * timer firing, the read and the write of a message. A message is one hash:
 * `c` channel, `s` status id, `v` version, `since`, `dl`
 * deadline ('' none), `dy` delays, `u` last write, `first`, `id`, `reg`,
 * `lv` its score in the bucket's `idle` set ('' not there), and `#<id>` for
 * every provider event id applied (the duplicate check reads it in the same
 * HMGET as the state). Times arrive as the caller's decimal text and are
 * stored as given; the only arithmetic on them is a timer's deadline when
 * the caller could not work it out (another message's delays) and the
 * comparison of a deadline with now.
 */
const PRELUDE = `
local function fmt(x) return string.format('%.17g', x) end
-- Small versions as text and back, without string.format or strtod (literals: a library's load may not call string).
local VT = {${Array.from({ length: SMALL + 1 }, (_, i) => `[${i}]="${i}"`).join(',')}}
local TV = {${Array.from({ length: SMALL + 1 }, (_, i) => `["${i}"]=${i}`).join(',')}}
local function vtext(v) return VT[v] or fmt(v) end
local function vnum(t) return TV[t] or tonumber(t) end
local function split(s)
  local out = {}
  for part in string.gmatch(s, '[^,]+') do out[#out + 1] = tonumber(part) end
  return out
end
-- m's timer delays (ms, in L.timers order), split from the stored text when first needed.
local function delaysOf(m)
  if m.delays == nil then m.delays = split(m.dy) end
  return m.delays
end
-- The earliest deadline of status st's timers from since, or '' when it has none.
local function deadlineOf(L, st, since, m)
  local best = nil
  for i, tm in ipairs(L.timers) do
    if tm.f == st then
      local d = tonumber(since) + delaysOf(m)[i]
      if best == nil or d < best then best = d end
    end
  end
  if best == nil then return '' end
  return fmt(best)
end
-- The status the timer of st leads to (the shortest delay, then the first), or nil.
local function timerTo(L, st, m)
  local to, best = nil, nil
  for i, tm in ipairs(L.timers) do
    if tm.f == st and (best == nil or delaysOf(m)[i] < best) then to, best = tm.t, delaysOf(m)[i] end
  end
  return to
end
-- When a message may leave (its final record handed to onArchive first), as the caller worked it out from now:
-- keepAt (retain after its last write) when final; only when opted in (idleAt not ''), idleAt when nothing is
-- pending; never while a timer is pending.
local function leaveAt(L, st, dl, keepAt, idleAt)
  if L.final[st] then return keepAt end
  if dl == '' and idleAt ~= '' then return idleAt end
  return nil
end
-- The message as read (nil when not stored), whether provider id field f is set, and its idle score ('' none:
-- side events of a message not stored keep theirs in the hash too). One HMGET.
local function load(mk, f)
  local r = redis.call('HMGET', mk, 'c', 's', 'v', 'since', 'dl', 'dy', 'lv', f)
  if not r[1] then return nil, false, r[7] or '' end
  return { c = r[1], s = r[2], v = vnum(r[3]), since = r[4], since0 = r[4], dl = r[5], dy = r[6], lv = r[7] or '', dl0 = r[5] }, r[8] ~= false, r[7] or ''
end
-- Writes what changed of m in one HSET, and its bucket entries only where they change: due (when its
-- deadline changed), idle (if it may leave or was due to). extra: one more field and its value for the HSET.
local function save(due, idle, mk, mid, L, m, nowS, keepAt, idleAt, fresh, xf, xv)
  local f = { 's', m.s, 'v', vtext(m.v), 'u', nowS }
  local n = 6
  if fresh then
    f[7] = 'c'; f[8] = m.c; f[9] = 'dy'; f[10] = m.dy; f[11] = 'first'; f[12] = nowS; f[13] = 'id'; f[14] = mid
    n = 14
  end
  if fresh or m.since ~= m.since0 then f[n + 1] = 'since'; f[n + 2] = m.since; n = n + 2 end
  if fresh or m.dl ~= m.dl0 then
    f[n + 1] = 'dl'; f[n + 2] = m.dl; n = n + 2
    if m.dl ~= '' then redis.call('ZADD', due, m.dl, mid) elseif m.dl0 ~= '' then redis.call('ZREM', due, mid) end
  end
  local at = leaveAt(L, m.s, m.dl, keepAt, idleAt)
  if at ~= nil then
    redis.call('ZADD', idle, at, mid)
    f[n + 1] = 'lv'; f[n + 2] = at; n = n + 2
  elseif m.lv ~= '' then
    -- also the entry side events of a message not stored yet left: it must not make the message leave early
    redis.call('ZREM', idle, mid)
    f[n + 1] = 'lv'; f[n + 2] = ''; n = n + 2
  end
  if xf then f[n + 1] = xf; f[n + 2] = xv end
  redis.call('HSET', mk, unpack(f))
end
-- Fires m's timer if it is due by now: appends the timer's history entry to rows. True when it fired.
local function fireDue(L, m, now, nowS, rows)
  if m.dl == '' or tonumber(m.dl) > now then return false end
  local to = timerTo(L, m.s, m)
  if to == nil then
    m.dl = ''
    return false
  end
  m.v = m.v + 1
  rows[#rows + 1] = '{"q":' .. vtext(m.v) .. ',"f":' .. m.s .. ',"t":' .. to .. ',"tm":1,"at":' .. '"' .. m.dl .. '"' .. ',"r":"' .. nowS .. '"}'
  m.since = m.dl
  m.s = to
  m.dl = deadlineOf(L, to, m.since, m)
  return true
end
`;

/**
 * apply_t / apply_s (tolerant, strict): applies a list of reports to
 * messages of one bucket (one hash slot), in order, atomically. KEYS: due,
 * idle, then m, h per report. ARGV: now, keepAt (now + retain), idleAt (now
 * + idle, '' never), count, then 8 per report: message id, channel, status
 * id ('-1' none of the channel's), provider id ('' none), at ('' none),
 * detail ('' none, else '=' + text), delays (for a message this call
 * records), and the deadline the status takes if it becomes current at `at`
 * (else now) with those delays ('' none). Returns per report a flag and the
 * status decided on (`a`pplied, `d`uplicate id, `n`othing applies), or `c`
 * and the channel the message is stored under (by an earlier call or an
 * earlier report of this one): that report changes nothing.
 */
const APPLY = (pol: 't' | 's') => `
local function apply_${pol}(KEYS, ARGV)
local now = tonumber(ARGV[1])
-- the clock as the caller wrote it (a number's decimal form): no formatting per call
local nowS, keepAt, idleAt = ARGV[1], ARGV[2], ARGV[3]
local count = tonumber(ARGV[4])
local due, idle = KEYS[1], KEYS[2]
local out = {}
-- A provider id met earlier in the same call is a duplicate whatever that report's outcome, as reconcile folds a batch.
local met = count > 1 and {} or nil
for k = 0, count - 1 do
  local a = 5 + k * 8
  local mid, ch, st, eid, at, det, dy = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4], ARGV[a + 5], ARGV[a + 6]
  local mk, hk = KEYS[3 + k * 2], KEYS[4 + k * 2]
  local m, seen, lv = load(mk, eid == '' and 'c' or '#' .. eid)
  if m and m.c ~= ch then
    -- Stored (or created earlier in this call) under another channel: this report changes nothing.
    out[k + 1] = 'c' .. m.c
  else
  local L = D[ch]
  local fresh = m == nil
  if fresh then
    m = { c = ch, s = L.initial, v = 0, since = nowS, dy = dy, lv = lv, dl0 = '' }
    m.dl = deadlineOf(L, L.initial, m.since, m)
    seen = false
  end
  local rows = {}
  fireDue(L, m, now, nowS, rows)
  local from = m.s
  local flag = 'n'
  local metKey = met and eid ~= '' and (mid .. '\\0' .. eid)
  local path = L.${pol}[from]
  path = path and path[st]
  if eid ~= '' and (seen or (metKey and met[metKey])) then
    flag = 'd'
  elseif path then
    flag = 'a'
    local prev = from
    for j, p in ipairs(path) do
      -- JSON by concatenation of the caller's decimal text and status ids: cjson only for the provider's strings
      local row = '{"q":' .. vtext(m.v + j) .. ',"f":' .. prev .. ',"t":' .. p .. ',"r":"' .. nowS .. '"'
      if j < #path then
        row = row .. ',"i":1}'
      else
        if eid ~= '' then row = row .. ',"id":' .. cjson.encode(eid) end
        if at ~= '' then row = row .. ',"at":"' .. at .. '"' end
        if det ~= '' then row = row .. ',"d":' .. cjson.encode(string.sub(det, 2)) end
        row = row .. '}'
      end
      rows[#rows + 1] = row
      prev = p
    end
    m.v = m.v + #path
    if st ~= from then
      if at ~= '' then m.since = at else m.since = nowS end
      if m.dy == dy then m.dl = ARGV[a + 7] else m.dl = deadlineOf(L, st, m.since, m) end
    end
    m.s = st
  end
  if #rows > 0 then
    if #rows == 1 then redis.call('RPUSH', hk, rows[1]) else redis.call('RPUSH', hk, unpack(rows)) end
    if flag == 'a' and eid ~= '' then
      save(due, idle, mk, mid, L, m, nowS, keepAt, idleAt, fresh, '#' .. eid, '1')
    else
      save(due, idle, mk, mid, L, m, nowS, keepAt, idleAt, fresh)
    end
  elseif not fresh and m.dl ~= m.dl0 then
    -- a due deadline of a status without a timer: cleared, as the PostgreSQL sweep does
    redis.call('HSET', mk, 'dl', '')
    redis.call('ZREM', due, mid)
  end
  if metKey then met[metKey] = true end
  out[k + 1] = flag .. from
  end
end
return out
end`;

/**
 * register: records a message at its initial status unless stored. KEYS:
 * due, idle, m. ARGV: now, channel, message id, since, delays,
 * registered-at ('' none), keepAt, idleAt (as for apply). Returns `{1|0,
 * stored channel}`.
 */
const REGISTER = `
local function register(KEYS, ARGV)
local ch, mid = ARGV[2], ARGV[3]
local r = redis.call('HMGET', KEYS[3], 'c', 'lv')
if r[1] then return { 0, r[1] } end
local L = D[ch]
local m = { c = ch, s = L.initial, v = 0, since = ARGV[4], dy = ARGV[5], lv = r[2] or '', dl0 = '' }
m.dl = deadlineOf(L, L.initial, m.since, m)
if ARGV[6] ~= '' then
  save(KEYS[1], KEYS[2], KEYS[3], mid, L, m, ARGV[1], ARGV[7], ARGV[8], true, 'reg', ARGV[6])
else
  save(KEYS[1], KEYS[2], KEYS[3], mid, L, m, ARGV[1], ARGV[7], ARGV[8], true)
end
return { 1, ch }
end`;

/**
 * sweep: fires the due timers of chosen messages of one bucket, each only
 * if its deadline is still the one read and due (another sweeper or an
 * apply may have moved it since). KEYS: due, idle, then m, h per
 * message. ARGV: now, keepAt, idleAt (as for apply), count, then per
 * message its id and the deadline read. Returns the ids moved.
 */
const SWEEP = `
local function sweep(KEYS, ARGV)
local now, nowS, keepAt, idleAt, count = tonumber(ARGV[1]), ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local moved = {}
for k = 0, count - 1 do
  local mid, seenAt = ARGV[5 + k * 2], ARGV[6 + k * 2]
  local mk, hk = KEYS[3 + k * 2], KEYS[4 + k * 2]
  local m = load(mk, 'c')
  if m == nil then
    redis.call('ZREM', KEYS[1], mid)
  elseif m.dl ~= '' and tonumber(m.dl) == tonumber(seenAt) and tonumber(m.dl) <= now and D[m.c] then
    local L = D[m.c]
    local rows = {}
    if fireDue(L, m, now, nowS, rows) then
      redis.call('RPUSH', hk, unpack(rows))
      moved[#moved + 1] = mid
    end
    save(KEYS[1], KEYS[2], mk, mid, L, m, nowS, keepAt, idleAt, false)
  end
end
return moved
end`;

/**
 * drop: removes archived messages of one bucket, each only if it is still
 * due to leave and unchanged since it was read (version, '' for side events
 * of a message not stored, and the number of side events). KEYS: idle, due,
 * then m, h, x per message. ARGV: now, count, then per message id,
 * version and side-event count. Returns the ids removed.
 */
const DROP = `
local function drop(KEYS, ARGV)
local now = tonumber(ARGV[1])
local count = tonumber(ARGV[2])
local gone = {}
for k = 0, count - 1 do
  local mid, v, sides = ARGV[3 + k * 3], ARGV[4 + k * 3], tonumber(ARGV[5 + k * 3])
  local m, h, x = KEYS[3 + k * 3], KEYS[4 + k * 3], KEYS[5 + k * 3]
  local at = redis.call('ZSCORE', KEYS[1], mid)
  local stored = redis.call('HGET', m, 'v') or ''
  if at and tonumber(at) <= now and stored == v and redis.call('HLEN', x) == sides then
    redis.call('DEL', m, h, x)
    redis.call('ZREM', KEYS[1], mid)
    redis.call('ZREM', KEYS[2], mid)
    gone[#gone + 1] = mid
  end
end
return gone
end`;

/**
 * side: keeps a side event of a message once per provider event id, at most
 * `max` per message. KEYS: idle, m, x. ARGV: now, retain, message id, event
 * id, provider, kind, detail (each '' none, else '=' + text), at ('' none),
 * max. Side events of a message not stored leave `retain` after the last
 * one (through onArchive); the message hash then holds only `lv`. Returns 1 recorded, 0 already there, -1 full.
 */
const SIDE = `
local function side(KEYS, ARGV)
local now, retain, mid, eid = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4]
if redis.call('HEXISTS', KEYS[3], eid) == 1 then return 0 end
local n = redis.call('HLEN', KEYS[3])
if n >= tonumber(ARGV[9]) then return -1 end
local e = { q = n + 1, r = fmt(now) }
if ARGV[5] ~= '' then e.p = string.sub(ARGV[5], 2) end
if ARGV[6] ~= '' then e.k = string.sub(ARGV[6], 2) end
if ARGV[7] ~= '' then e.d = string.sub(ARGV[7], 2) end
if ARGV[8] ~= '' then e.at = ARGV[8] end
redis.call('HSET', KEYS[3], eid, cjson.encode(e))
if not redis.call('HGET', KEYS[2], 'c') then
  -- The message is not stored: its side events leave retain after the last one; the score waits in its hash ('lv')
  -- so that a report recording the message later takes the entry back.
  redis.call('ZADD', KEYS[1], now + retain, mid)
  redis.call('HSET', KEYS[2], 'lv', fmt(now + retain))
end
return 1
end`;

/**
 * read: a message's hash and history at one instant (the counts are tallied
 * from the history, so both must be of the same version). KEYS: m, h.
 * Returns `{ HGETALL m, LRANGE h }`.
 */
const READ = `
local function read(KEYS, ARGV)
return { redis.call('HGETALL', KEYS[1]), redis.call('LRANGE', KEYS[2], 0, -1) }
end`;

/** The entry points, each `function(KEYS, ARGV)`. */
export type Entry = 'apply_t' | 'apply_s' | 'register' | 'sweep' | 'drop' | 'side' | 'read';
export const ENTRIES: readonly Entry[] = ['apply_t', 'apply_s', 'register', 'sweep', 'drop', 'side', 'read'];

const BODIES: Record<Entry, string> = { apply_t: APPLY('t'), apply_s: APPLY('s'), register: REGISTER, sweep: SWEEP, drop: DROP, side: SIDE, read: READ };

/**
 * A Redis 7 function library of every entry point, named `name`, its
 * functions `${name}_${entry}`. The decision tables of all the lifecycles
 * are built once, when the library is loaded, not on every call.
 */
export function functionLibrary(name: string, lifecycles: readonly CompiledLifecycle[]): string {
  return `#!lua name=${name}
${decisionTables(lifecycles)}
${PRELUDE}
${ENTRIES.map((e) => BODIES[e]).join('\n')}
${ENTRIES.map((e) => (e === 'read' ? `redis.register_function{function_name='${name}_${e}', callback=${e}, flags={'no-writes'}}` : `redis.register_function('${name}_${e}', ${e})`)).join('\n')}
`;
}

/**
 * One entry point as an `EVAL` script (for a Redis without functions): the
 * tables it reads (only the policy's for an apply) are built on every run.
 */
export function evalScript(entry: Entry, lifecycles: readonly CompiledLifecycle[]): string {
  const policies: ('t' | 's')[] = entry === 'apply_t' ? ['t'] : entry === 'apply_s' ? ['s'] : [];
  return `${decisionTables(lifecycles, policies)}
${PRELUDE}
${BODIES[entry]}
return ${entry}(KEYS, ARGV)`;
}
