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

/**
 * Versions up to this are converted between number and text by table
 * lookups: built once when the function library loads, and on every run of
 * an `EVAL` script (so that fallback builds fewer).
 */
const SMALL = { library: 64, eval: 16 } as const;

/**
 * Helpers shared by the functions: number formatting, deadlines,
 * timer firing, the read and the write of a message. A message is one hash:
 * `st` its state in one field, `s v since dl u dy c` separated by single
 * spaces (status id, version, since, deadline ('' none), last write, timer
 * delays ('' none), channel: only the channel may hold a space, and it is
 * last), so that the read on every report is one field and the write one
 * field; `first`, `id` and `reg` (written once); `lv` its score in the
 * bucket's `idle` set ('' or absent: not there; side events of a message
 * not stored keep theirs here too); `#` + the JSON text of every provider
 * event id applied, its value the version of the row it applied as (the
 * duplicate check reads it in the same HMGET as the state); and the
 * history, a field per row named by its version (decimal digits), the row
 * as `fire` describes it. So a report that applies writes one HSET of the
 * state, its rows and its id; the rows are short text, not JSON, so that
 * a message's hash stays a listpack (values up to 64 bytes) unless a
 * provider id or detail is long.
 * Times arrive as the caller's decimal text and are stored as given; the
 * only arithmetic on them is a timer's deadline when the caller could not
 * work it out (another message's delays) and the comparison of a deadline
 * with now.
 */
const PRELUDE = (small: number): string => `
local function fmt(x) return string.format('%.17g', x) end
-- Small versions as text and back, without string.format or strtod (literals: a library's load may not call string).
local VT = {${Array.from({ length: small + 1 }, (_, i) => `[${i}]="${i}"`).join(',')}}
local TV = {${Array.from({ length: small + 1 }, (_, i) => `["${i}"]=${i}`).join(',')}}
local function vtext(v) return VT[v] or fmt(v) end
local function vnum(t) return TV[t] or tonumber(t) end
-- Timer delays (ms, in L.timers order) from their stored text.
local function split(s)
  local out = {}
  for part in string.gmatch(s, '[^,]+') do out[#out + 1] = tonumber(part) end
  return out
end
-- The earliest deadline of status st's timers from since with delays dy, or '' when it has none.
local function deadlineOf(L, st, since, dy)
  local best, delays = nil, nil
  for i, tm in ipairs(L.timers) do
    if tm.f == st then
      delays = delays or split(dy)
      local d = tonumber(since) + delays[i]
      if best == nil or d < best then best = d end
    end
  end
  if best == nil then return '' end
  return fmt(best)
end
-- The status the timer of st leads to (the shortest delay, then the first), or nil.
local function timerTo(L, st, dy)
  local to, best, delays = nil, nil, nil
  for i, tm in ipairs(L.timers) do
    if tm.f == st then
      delays = delays or split(dy)
      if best == nil or delays[i] < best then to, best = tm.t, delays[i] end
    end
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
-- The state field: written by stateText, read back with STATE.
local STATE = '^(%S+) (%S+) (%S+) (%S*) (%S+) (%S*) (.*)$'
local function stateText(s, v, since, dl, u, dy, c)
  return s .. ' ' .. vtext(v) .. ' ' .. since .. ' ' .. dl .. ' ' .. u .. ' ' .. dy .. ' ' .. c
end
-- The timer of status s if it is due by now: the history row it adds and the state after it, else
-- nil and the state unchanged (its deadline cleared if s has no timer). A row is \`f t r at k\` then the
-- detail's JSON text: from and to status ids, recorded at, the report's time ('' none), k 'i' implied,
-- 't' timer or '' (then the detail, if any, follows the space at once); its field is its version.
local function fire(L, s, v, since, dl, dy, nowS)
  if dl == '' or tonumber(dl) > tonumber(nowS) then return nil, s, v, since, dl end
  local to = timerTo(L, s, dy)
  if to == nil then return nil, s, v, since, '' end
  v = v + 1
  return s .. ' ' .. to .. ' ' .. nowS .. ' ' .. dl .. ' t', to, v, dl, deadlineOf(L, to, dl, dy)
end
-- Writes a message in one HSET (its state field; the fields of a new message; its idle score when it changes;
-- w: nil or a list of more field, value pairs: history rows, an event id's field, reg), and its bucket entries
-- only where they change: due (when the deadline dl0 became dl), idle (if it may leave, or was due to: lv).
-- A report that applies to a message with nothing to move in either set is one write: no MULTI/EXEC
-- around it in the AOF and the replication stream.
local function save(due, idle, mk, mid, L, s, v, since, dl, dl0, dy, c, lv, nowS, keepAt, idleAt, fresh, w)
  local state = stateText(s, v, since, dl, nowS, dy, c)
  if dl ~= dl0 then
    if dl ~= '' then redis.call('ZADD', due, dl, mid) else redis.call('ZREM', due, mid) end
  end
  local lf, lval = nil, nil
  local at = leaveAt(L, s, dl, keepAt, idleAt)
  if at ~= nil then
    redis.call('ZADD', idle, at, mid)
    lf, lval = 'lv', at
  elseif lv ~= '' then
    -- also the entry side events of a message not stored yet left: it must not make the message leave early
    redis.call('ZREM', idle, mid)
    lf, lval = 'lv', ''
  end
  if w == nil then
    if not fresh and not lf then return redis.call('HSET', mk, 'st', state) end
    w = {}
  end
  local n = #w
  w[n + 1] = 'st'; w[n + 2] = state
  if fresh then w[n + 3] = 'first'; w[n + 4] = nowS; w[n + 5] = 'id'; w[n + 6] = mid; n = n + 4 end
  if lf then w[n + 3] = lf; w[n + 4] = lval end
  redis.call('HSET', mk, unpack(w))
end
`;

/**
 * apply_t / apply_s (tolerant, strict): applies a list of reports to
 * messages of one bucket (one hash slot), in order, atomically. KEYS: due,
 * idle, then m per report (the count of reports is the count of keys
 * less two). ARGV: now, keepAt (now + retain), idleAt (now + idle,
 * '' never), then 8 per report: message id, channel, status
 * id ('-1' none of the channel's), provider id as JSON text ('' none), at
 * ('' none), detail as JSON text ('' none), delays (for a message this call
 * records), and the deadline the status takes if it becomes current at `at`
 * (else now) with those delays ('' none). Answers per report a flag and the
 * status decided on (`a`pplied, `d`uplicate id, `n`othing applies), or `c`
 * and the channel the message is stored under (by an earlier call or an
 * earlier report of this one), or `x` for a state field not in this store's
 * format: those reports change nothing. One report's
 * answer is returned as it is, several as a list. The message's state lives
 * in locals, not a table: this runs for every report, and tables cost the
 * script more than anything else it does.
 */
const APPLY = (pol: 't' | 's') => `
local function apply_${pol}(KEYS, ARGV)
-- the clock as the caller wrote it (a number's decimal form): no formatting per call
local nowS, keepAt, idleAt = ARGV[1], ARGV[2], ARGV[3]
local count = #KEYS - 2
local due, idle = KEYS[1], KEYS[2]
-- A provider id met earlier in the same call is a duplicate whatever that report's outcome, as reconcile folds a batch.
local out, met = nil, nil
if count > 1 then out, met = {}, {} end
for k = 0, count - 1 do
  local a = 4 + k * 8
  local mid, ch, st, eid = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
  local mk = KEYS[3 + k]
  local idField = eid ~= '' and '#' .. eid
  local r = redis.call('HMGET', mk, 'st', 'lv', idField or 'lv')
  local lv = r[2] or ''
  local s, v, since, dl, u, dy, c
  if r[1] then s, v, since, dl, u, dy, c = string.match(r[1], STATE) end
  local answer
  if r[1] and not c then
    -- a state field this store did not write: left as it is, and said so
    answer = 'x'
  elseif c and c ~= ch then
    -- Stored (or created earlier in this call) under another channel: this report changes nothing.
    answer = 'c' .. c
  else
    local L = D[ch]
    local fresh = not c
    local seen = false
    if fresh then
      c, s, v, since, dy = ch, L.initial, 0, nowS, ARGV[a + 6]
      dl = deadlineOf(L, s, since, dy)
    else
      v = TV[v] or tonumber(v)
      seen = eid ~= '' and r[3] ~= false
    end
    local dl0 = fresh and '' or dl
    -- the fields to write with the state: history rows (field: the row's version), the event id's
    local w = nil
    if dl ~= '' then
      local row
      row, s, v, since, dl = fire(L, s, v, since, dl, dy, nowS)
      if row then w = { VT[v] or fmt(v), row } end
    end
    local from = s
    local flag = 'n'
    local metKey = met and eid ~= '' and (mid .. '\\0' .. eid)
    local path = L.${pol}[from]
    path = path and path[st]
    if eid ~= '' and (seen or (metKey and met[metKey])) then
      flag = 'd'
    elseif path then
      flag = 'a'
      local at, det = ARGV[a + 4], ARGV[a + 5]
      local prev, n = from, #path
      for j = 1, n do
        local p = path[j]
        -- the row by concatenation (see fire): the caller's decimal text, status ids, the detail as the caller encoded it
        local q, row = VT[v + j] or fmt(v + j), nil
        if j < n then row = prev .. ' ' .. p .. ' ' .. nowS .. '  i' else row = prev .. ' ' .. p .. ' ' .. nowS .. ' ' .. at .. ' ' .. det end
        if w == nil then w = { q, row } else w[#w + 1] = q; w[#w + 1] = row end
        -- the event id's field holds the version of the row it applied as (the history's provider id)
        if j == n and eid ~= '' then w[#w + 1] = idField; w[#w + 1] = q end
        prev = p
      end
      v = v + n
      if st ~= from then
        if at ~= '' then since = at else since = nowS end
        if dy == ARGV[a + 6] then dl = ARGV[a + 7] else dl = deadlineOf(L, st, since, dy) end
      end
      s = st
    end
    if w ~= nil then
      save(due, idle, mk, mid, L, s, v, since, dl, dl0, dy, c, lv, nowS, keepAt, idleAt, fresh, w)
    elseif not fresh and dl ~= dl0 then
      -- a due deadline of a status without a timer: cleared, as the PostgreSQL sweep does
      redis.call('HSET', mk, 'st', stateText(s, v, since, dl, u, dy, c))
      redis.call('ZREM', due, mid)
    end
    if metKey then met[metKey] = true end
    answer = flag .. from
  end
  if count == 1 then return answer end
  out[k + 1] = answer
end
return out
end`;

/**
 * register: records a message at its initial status unless stored. KEYS:
 * due, idle, m. ARGV: now, channel, message id, since, delays,
 * registered-at ('' none), keepAt, idleAt (as for apply). Returns `{1|0,
 * stored channel}` (`x` for a state field not in this store's format).
 */
const REGISTER = `
local function register(KEYS, ARGV)
local ch, mid = ARGV[2], ARGV[3]
local r = redis.call('HMGET', KEYS[3], 'st', 'lv')
if r[1] then return { 0, select(7, string.match(r[1], STATE)) or 'x' } end
local L = D[ch]
local since, dy = ARGV[4], ARGV[5]
local dl = deadlineOf(L, L.initial, since, dy)
save(KEYS[1], KEYS[2], KEYS[3], mid, L, L.initial, 0, since, dl, '', dy, ch, r[2] or '', ARGV[1], ARGV[7], ARGV[8], true, ARGV[6] ~= '' and { 'reg', ARGV[6] } or nil)
return { 1, ch }
end`;

/**
 * sweep: fires the due timers of chosen messages of one bucket, each only
 * if its deadline is still the one read and due (another sweeper or an
 * apply may have moved it since). KEYS: due, idle, then m per
 * message (the count of messages is the count of keys less two). ARGV:
 * now, keepAt, idleAt (as for apply), then per message its id and the
 * deadline read. Returns the ids moved.
 */
const SWEEP = `
local function sweep(KEYS, ARGV)
local now, nowS, keepAt, idleAt, count = tonumber(ARGV[1]), ARGV[1], ARGV[2], ARGV[3], #KEYS - 2
local moved = {}
for k = 0, count - 1 do
  local mid, seenAt = ARGV[4 + k * 2], ARGV[5 + k * 2]
  local mk = KEYS[3 + k]
  local r = redis.call('HMGET', mk, 'st', 'lv')
  if not r[1] then
    redis.call('ZREM', KEYS[1], mid)
  else
    local s, v, since, dl, u, dy, c = string.match(r[1], STATE)
    local L = D[c]
    if dl ~= '' and tonumber(dl) == tonumber(seenAt) and tonumber(dl) <= now and L then
      local dl0 = dl
      local row
      row, s, v, since, dl = fire(L, s, vnum(v), since, dl, dy, nowS)
      if row then moved[#moved + 1] = mid end
      save(KEYS[1], KEYS[2], mk, mid, L, s, v, since, dl, dl0, dy, c, r[2] or '', nowS, keepAt, idleAt, false, row and { vtext(v), row } or nil)
    end
  end
end
return moved
end`;

/**
 * drop: removes archived messages of one bucket, each only if it is still
 * due to leave and unchanged since it was read (version, '' for side events
 * of a message not stored, and the number of side events). KEYS: idle, due,
 * then m, x per message (the count of messages is the count of keys less
 * two, halved). ARGV: now, then per message id, version and side-event
 * count. Returns the ids removed.
 */
const DROP = `
local function drop(KEYS, ARGV)
local now = tonumber(ARGV[1])
local count = (#KEYS - 2) / 2
local gone = {}
for k = 0, count - 1 do
  local mid, v, sides = ARGV[2 + k * 3], ARGV[3 + k * 3], tonumber(ARGV[4 + k * 3])
  local m, x = KEYS[3 + k * 2], KEYS[4 + k * 2]
  local at = redis.call('ZSCORE', KEYS[1], mid)
  local st = redis.call('HGET', m, 'st')
  local stored = st and select(2, string.match(st, STATE)) or ''
  if at and tonumber(at) <= now and stored == v and redis.call('HLEN', x) == sides then
    redis.call('DEL', m, x)
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
if redis.call('HEXISTS', KEYS[2], 'st') == 0 then
  -- The message is not stored: its side events leave retain after the last one; the score waits in its hash ('lv')
  -- so that a report recording the message later takes the entry back.
  redis.call('ZADD', KEYS[1], now + retain, mid)
  redis.call('HSET', KEYS[2], 'lv', fmt(now + retain))
end
return 1
end`;

/** The entry points, each `function(KEYS, ARGV)`. */
export type Entry = 'apply_t' | 'apply_s' | 'register' | 'sweep' | 'drop' | 'side';
export const ENTRIES: readonly Entry[] = ['apply_t', 'apply_s', 'register', 'sweep', 'drop', 'side'];

const BODIES: Record<Entry, string> = { apply_t: APPLY('t'), apply_s: APPLY('s'), register: REGISTER, sweep: SWEEP, drop: DROP, side: SIDE };

/**
 * A Redis 7 function library of every entry point, named `name`, its
 * functions `${name}_${entry}`. The decision tables of all the lifecycles
 * are built once, when the library is loaded, not on every call.
 */
export function functionLibrary(name: string, lifecycles: readonly CompiledLifecycle[]): string {
  return `#!lua name=${name}
${decisionTables(lifecycles)}
${PRELUDE(SMALL.library)}
${ENTRIES.map((e) => BODIES[e]).join('\n')}
${ENTRIES.map((e) => `redis.register_function('${name}_${e}', ${e})`).join('\n')}
`;
}

/**
 * One entry point as an `EVAL` script (for a Redis without functions): the
 * tables it reads (only the policy's for an apply) are built on every run.
 */
export function evalScript(entry: Entry, lifecycles: readonly CompiledLifecycle[]): string {
  const policies: ('t' | 's')[] = entry === 'apply_t' ? ['t'] : entry === 'apply_s' ? ['s'] : [];
  return `${decisionTables(lifecycles, policies)}
${PRELUDE(SMALL.eval)}
${BODIES[entry]}
return ${entry}(KEYS, ARGV)`;
}
