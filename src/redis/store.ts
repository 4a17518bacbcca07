import { createHash } from 'node:crypto';
import { lifecycleOf, type ChannelRef, type StatusOf } from '../catalog';
import type { CompiledLifecycle } from '../compile';
import { LifecycleError } from '../errors';
import { checkMessageId, readBatchItem, readSideEvent, readTime } from '../internal/store-input';
import { show } from '../messages';
import { applyStatus, type ApplyResult, type Ignored } from '../reconcile';
import type { DeliveryReport } from '../report/model';
import { checkDelayNames, givenDelays, resolveDelays } from '../postgres/delays';
import type { BatchItem, DeliveryStore, ExpireOptions, ExpireResult, RegisterOptions, StatsOptions, StoreApplyOptions, StoredMessage, StoredSideEvent, StoredTransition } from '../store';
import type { BatchResult, ChannelMismatch } from '../postgres/store';
import { ENTRIES, evalScript, functionLibrary, type Entry } from './lua';

/**
 * The little the store needs from a Redis client: `fcall`, `evalsha` and
 * `eval` with ioredis's argument order (`name|sha|script, numkeys, ...keys,
 * ...args`), `call` to load the function library (on every master of a
 * cluster, through `nodes('master')`), and a few reads. An ioredis
 * `Cluster` or `Redis` fits as is; each call goes to the node that owns its
 * first key.
 */
export interface RedisClient {
  fcall?(name: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  call?(command: string, ...args: (string | number)[]): Promise<unknown>;
  nodes?(role: 'master'): { call(command: string, ...args: (string | number)[]): Promise<unknown> }[];
  evalsha(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  zrangebyscore(key: string, min: string | number, max: string | number, ...args: (string | number)[]): Promise<string[]>;
  hgetall(key: string): Promise<Record<string, string>>;
}

/**
 * One message as `onArchive` receives it before it leaves Redis: its state
 * and history as `get` and `history` return them, and its side events as
 * `sideEvents` does. `message` is `undefined` (and `history` empty) only for
 * side events recorded for a message that is not stored (never, or no
 * longer: a complaint weeks after the message left); they leave too.
 *
 * @example
 * const store = createRedisStore(cluster, {
 *   onArchive: async (records) => {
 *     for (const r of records) await archive.write(JSON.stringify(r)); // { messageId, message, history, sideEvents }
 *   },
 * });
 */
export interface ArchivedRecord {
  readonly messageId: string;
  readonly message: StoredMessage | undefined;
  readonly history: StoredTransition[];
  readonly sideEvents: StoredSideEvent[];
}

export interface RedisStoreOptions {
  /** Prefix of every key (no braces); default `'dl:'`. */
  readonly prefix?: string;
  /**
   * How many buckets the messages are spread over (a power of two up to
   * 16384; default 256). A bucket is one hash slot: a message's keys and its
   * bucket's due and archive sorted sets share a hash tag, so every apply is
   * one script on one shard. Fix it for the life of the data.
   */
  readonly buckets?: number;
  /** Custom channels besides `sms` and `email` (others are registered on first use). */
  readonly channels?: readonly CompiledLifecycle[];
  /** The store's clock in epoch ms; default `Date.now`. As the PostgreSQL store's `now`. */
  readonly now?: () => number;
  /** A final message leaves this long after its last write; default 7 days. */
  readonly retainMs?: number;
  /**
   * Opt-in: a message that is not final and has no timer pending (an e-mail
   * left DELIVERED, OPEN or CLICKED, which are not final in the e-mail
   * lifecycle) also leaves this long after its last write. Default
   * `Infinity`: a message leaves only once it is final (EXPIRED included),
   * never before, so a message that stays OPEN stays in Redis; set it when
   * memory matters more (docs/redis.md gives the bytes per message). A
   * message with a pending timer never leaves before the timer fires.
   */
  readonly idleMs?: number;
  /** Receives the records of messages about to leave Redis (`archive`); they leave only after it resolves. */
  readonly onArchive?: (records: ArchivedRecord[]) => void | Promise<void>;
  /**
   * After every write, wait until this many replicas acknowledged it
   * (`WAIT n timeout`); default 0 (Redis replication is asynchronous: a
   * failover can lose the last acknowledged writes). See docs/redis.md for
   * the measured cost.
   */
  readonly waitReplicas?: number;
  /** Timeout of that wait in ms; default 1000. */
  readonly waitTimeoutMs?: number;
  /**
   * How the Lua reaches Redis. `'functions'` (default): one Redis 7 function
   * library, loaded with `FUNCTION LOAD` on every master when a call meets
   * `Function not found` (functions are replicated and persisted, so a
   * promoted replica has them); its decision tables are built once at load.
   * `'eval'`: `EVALSHA`, and `EVAL` after a `NOSCRIPT`; each run builds the
   * tables again (slower). A server without functions (Redis 6) falls back to
   * `'eval'` by itself.
   */
  readonly scripting?: 'functions' | 'eval';
}

/** What {@link RedisStore.archive} did. */
export interface ArchiveResult {
  readonly count: number;
  readonly messageIds: string[];
}

/** The store returned by {@link createRedisStore}: the {@link DeliveryStore} contract, plus the archive sweep. */
export interface RedisStore extends DeliveryStore {
  /**
   * Hands every message due to leave (final and silent for `retainMs`, or,
   * when opted in, idle for `idleMs`; at most `limit`, default 1000) to `onArchive`, then
   * removes those unchanged since they were read. Nothing leaves without
   * having been handed over; a message written meanwhile stays (and is
   * handed over again later). Without `onArchive` messages stay.
   */
  archive(options?: { readonly now?: number; readonly limit?: number }): Promise<ArchiveResult>;
}

/**
 * Side events the Redis store keeps per message: past it, a new one is not
 * recorded (`{ recorded: false }`) and the kept ones stay, so a flood of
 * callbacks for one message cannot grow its memory without bound.
 *
 * @example
 * import { MAX_SIDE_EVENTS } from 'delivery-lifecycle/redis';
 * if ((await store.sideEvents('msg-1')).length >= MAX_SIDE_EVENTS) console.warn('msg-1 keeps no more side events');
 */
export const MAX_SIDE_EVENTS = 100;
const DAY = 86_400_000;
const BUILT_IN: readonly ChannelRef[] = ['sms', 'email'];

interface Script {
  readonly text: string;
  readonly sha: string;
}

function script(text: string): Script {
  return { text, sha: createHash('sha1').update(text).digest('hex') };
}

/** The Lua of one set of channels: a function library named after its hash, and the same entry points as scripts. */
interface Program {
  readonly name: string;
  /** The library's function of each entry point. */
  readonly functions: Readonly<Record<Entry, string>>;
  readonly library: string;
  scripts(entry: Entry): Script;
  loading?: Promise<void>;
}

function programOf(lifecycles: readonly CompiledLifecycle[]): Program {
  // The name is the hash of the code without its name: another set of channels (or another release) is another library.
  const name = `dl_${createHash('sha1').update(functionLibrary('x', lifecycles)).digest('hex').slice(0, 16)}`;
  const scripts = new Map<Entry, Script>();
  return {
    name,
    functions: Object.fromEntries(ENTRIES.map((entry) => [entry, `${name}_${entry}`])) as Record<Entry, string>,
    library: functionLibrary(name, lifecycles),
    scripts(entry) {
      let s = scripts.get(entry);
      if (s === undefined) scripts.set(entry, (s = script(evalScript(entry, lifecycles))));
      return s;
    },
  };
}


function checkOptions(options: unknown): void {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new LifecycleError('invalid_argument', `options must be an object, got ${show(options)}`);
  }
}

function policyOf(options: StoreApplyOptions | undefined): 't' | 's' {
  checkOptions(options);
  const policy = options?.policy;
  if (policy === undefined || policy === 'tolerant') return 't';
  if (policy === 'strict') return 's';
  throw new LifecycleError('invalid_argument', `policy must be 'strict' or 'tolerant', got ${show(policy)}`);
}

/** FNV-1a over the UTF-16 code units: the message's bucket. */
function bucketOf(messageId: string, buckets: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < messageId.length; i++) h = Math.imul(h ^ messageId.charCodeAt(i), 0x01000193);
  return (h >>> 0) & (buckets - 1);
}

/** A history entry as read back (src/redis/lua.ts writes it as text): seq, from and to status ids, implied, provider id, at, timer, detail, recorded. */
interface HistoryRow {
  readonly q: number;
  readonly f: number;
  readonly t: number;
  readonly i?: number;
  readonly id?: string;
  readonly at?: string;
  readonly tm?: number;
  readonly d?: string;
  readonly r: string;
}

interface Prepared {
  readonly messageId: string;
  readonly lifecycle: CompiledLifecycle;
  readonly status: number;
  readonly incoming: unknown;
  readonly id: string;
  /** The provider's event id and the detail as JSON text, as the history rows and duplicate fields hold them ('' none). */
  readonly idJson: string;
  /** The report's time, and as the decimal text the scripts store ('' none). */
  readonly atMs: number | undefined;
  readonly at: string;
  readonly detail: string;
}

/** A channel's timer delays for one call: as the text a message stores, and per status the shortest of its timers' (none: undefined). */
interface Delays {
  readonly text: string;
  readonly shortest: readonly (number | undefined)[];
}

function delaysFrom(lifecycle: CompiledLifecycle, list: readonly number[]): Delays {
  const shortest = new Array<number | undefined>(lifecycle.size).fill(undefined);
  lifecycle.timers.forEach((timer, i) => {
    const known = shortest[timer.from];
    if (known === undefined || list[i] < known) shortest[timer.from] = list[i];
  });
  return { text: list.join(','), shortest };
}

/**
 * A delivery-status store on Redis Cluster (or a single Redis, for
 * development), with the same promises as the PostgreSQL store
 * ({@link DeliveryStore}). Every key of a message shares a hash tag with
 * its bucket's sorted sets, so an apply is one Lua script on one shard, one
 * round trip: decided from tables generated from the compiled lifecycles,
 * loaded with `EVALSHA` and sent again with `EVAL` after a `NOSCRIPT` (a
 * failed-over or restarted node). Due timers wait in per-bucket sorted sets
 * (`expireDue` sweeps them on every master); `archive` hands messages that
 * may leave to `onArchive` and then deletes them, so memory stays bounded.
 * `applyMany` is atomic per bucket, not across buckets (a bucket lives on
 * one shard). Durability: see docs/redis.md.
 *
 * @example
 * import { Cluster } from 'ioredis';
 * import { createRedisStore } from 'delivery-lifecycle/redis';
 * const store = createRedisStore(new Cluster([{ host: '10.0.0.1', port: 6379 }]), {
 *   onArchive: (records) => archiveStore.applyMany(records.flatMap(toItems)),
 * });
 * await store.apply('msg-1', 'email', { status: 'OPEN', id: 'evt-9' });
 * // { outcome: 'applied', status: 'OPEN', from: 'SUBMITTED', code: 'skipped', implied: ['DELIVERED'], … }
 */
export function createRedisStore(client: unknown, options: RedisStoreOptions = {}): RedisStore {
  const c = client as RedisClient;
  if (typeof client !== 'object' || client === null || typeof c.evalsha !== 'function' || typeof c.eval !== 'function') {
    throw new LifecycleError('invalid_argument', 'createRedisStore needs an ioredis Cluster or Redis client (or an object with evalsha and eval)');
  }
  checkOptions(options);
  const prefix = options.prefix ?? 'dl:';
  if (typeof prefix !== 'string' || /[{}]/.test(prefix)) throw new LifecycleError('invalid_argument', `prefix must be a string without braces, got ${show(prefix)}`);
  const buckets = options.buckets ?? 256;
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > 16384 || (buckets & (buckets - 1)) !== 0) {
    throw new LifecycleError('invalid_argument', `buckets must be a power of two from 1 to 16384, got ${show(buckets)}`);
  }
  const ms = (value: unknown, name: string, fallback: number, infinite = false): number => {
    if (value === undefined) return fallback;
    if (infinite && value === Infinity) return -1;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new LifecycleError('invalid_argument', `${name} must be a non-negative number of ms, got ${show(value)}`);
    return value;
  };
  const retainMs = ms(options.retainMs, 'retainMs', 7 * DAY);
  const idleMs = ms(options.idleMs, 'idleMs', -1, true);
  const waitReplicas = options.waitReplicas ?? 0;
  if (!Number.isSafeInteger(waitReplicas) || waitReplicas < 0) throw new LifecycleError('invalid_argument', `waitReplicas must be a non-negative integer, got ${show(waitReplicas)}`);
  const waitTimeoutMs = ms(options.waitTimeoutMs, 'waitTimeoutMs', 1000);
  const onArchive = options.onArchive;
  if (onArchive !== undefined && typeof onArchive !== 'function') throw new LifecycleError('invalid_argument', 'onArchive must be a function');
  const clock = options.now ?? Date.now;
  if (typeof clock !== 'function') throw new LifecycleError('invalid_argument', `now must be a function returning epoch ms, got ${show(clock)}`);
  const now = (): number => {
    const t = clock();
    if (typeof t !== 'number' || !Number.isFinite(t)) throw new LifecycleError('invalid_argument', `the clock returned ${show(t)}, not epoch ms`);
    return t;
  };

  const registry = new Map<string, CompiledLifecycle>();
  const register = (channel: unknown): CompiledLifecycle => {
    const lifecycle = lifecycleOf(channel);
    if (lifecycle === undefined) {
      throw new LifecycleError('unknown_channel', `unknown channel ${show(channel)}`, { channel: typeof channel === 'string' ? channel : undefined });
    }
    const known = registry.get(lifecycle.name);
    if (known === undefined) {
      registry.set(lifecycle.name, lifecycle);
      program = undefined; // the tables change with the set of channels
    } else if (known !== lifecycle) {
      throw new LifecycleError('invalid_argument', `another lifecycle named ${show(lifecycle.name)} is already used by this store`, { channel: lifecycle.name });
    }
    return lifecycle;
  };
  let program: Program | undefined;
  for (const channel of [...BUILT_IN, ...(options.channels ?? [])]) register(channel);
  const current = (): Program => {
    if (program === undefined) program = programOf([...registry.values()]);
    return program;
  };
  const scripting = options.scripting ?? 'functions';
  if (scripting !== 'functions' && scripting !== 'eval') throw new LifecycleError('invalid_argument', `scripting must be 'functions' or 'eval', got ${show(scripting)}`);
  let useFunctions = scripting === 'functions' && typeof c.fcall === 'function' && (typeof c.call === 'function' || typeof c.nodes === 'function');

  /** FUNCTION LOAD REPLACE of the library on every master (or the one Redis); concurrent callers share one load. */
  const loadLibrary = (p: Program): Promise<void> => {
    if (p.loading === undefined) {
      const send = async (): Promise<void> => {
        const masters = typeof c.nodes === 'function' ? c.nodes('master') : [];
        if (masters.length === 0) await (c.call as NonNullable<RedisClient['call']>)('FUNCTION', 'LOAD', 'REPLACE', p.library);
        // A master just killed may still be listed: the others must still get it; the caller's retry tells.
        else await Promise.allSettled(masters.map((n) => n.call('FUNCTION', 'LOAD', 'REPLACE', p.library)));
      };
      p.loading = send().finally(() => {
        p.loading = undefined;
      });
    }
    return p.loading;
  };
  const notFound = (error: unknown) => /Function not found/i.test(String((error as Error)?.message));
  const noFunctions = (error: unknown) => /unknown command/i.test(String((error as Error)?.message));

  /**
   * Runs an entry point: FCALL of the library's function (loading the library
   * on `Function not found`: a new, restarted or failed-over node), or, in
   * eval mode, EVALSHA then EVAL on `NOSCRIPT`. With `waitReplicas`, a write
   * and a `WAIT` go in one pipeline, which a cluster client sends to the node
   * of the first key: still one round trip, answered once replicas
   * acknowledged.
   */
  const invoke = (entry: Entry, keys: readonly string[], args: readonly (string | number)[], writes = false): Promise<unknown> => {
    const p = current();
    // The common case without an async frame of its own: this runs for every report.
    if (useFunctions && !(writes && waitReplicas > 0)) {
      return (c.fcall as NonNullable<RedisClient['fcall']>)(p.functions[entry], keys.length, ...keys, ...args).catch((error: unknown) => {
        if (noFunctions(error) || notFound(error)) return invokeAgain(p, entry, keys, args, writes, error);
        throw error;
      });
    }
    return invokeAgain(p, entry, keys, args, writes, undefined);
  };
  /** invoke after a first FCALL failed with `error` (or without one): loads the library and calls again, or falls back to EVALSHA/EVAL. */
  const invokeAgain = async (p: Program, entry: Entry, keys: readonly string[], args: readonly (string | number)[], writes: boolean, error: unknown): Promise<unknown> => {
    if (error !== undefined && noFunctions(error)) useFunctions = false;
    if (useFunctions) {
      const command = ['fcall', p.functions[entry], keys.length, ...keys, ...args] as const;
      for (let attempt = error === undefined ? 0 : 1; ; attempt++) {
        if (attempt > 0) await loadLibrary(p);
        try {
          return writes && waitReplicas > 0 ? await pipelined(command) : await (c.fcall as NonNullable<RedisClient['fcall']>)(command[1], keys.length, ...keys, ...args);
        } catch (again) {
          if (noFunctions(again)) {
            useFunctions = false;
            break;
          }
          if (!notFound(again) || attempt > 0) throw again;
        }
      }
    }
    const s = p.scripts(entry);
    for (const command of ['evalsha', 'eval'] as const) {
      try {
        if (writes && waitReplicas > 0) return await pipelined([command, command === 'evalsha' ? s.sha : s.text, keys.length, ...keys, ...args]);
        return command === 'evalsha' ? await c.evalsha(s.sha, keys.length, ...keys, ...args) : await c.eval(s.text, keys.length, ...keys, ...args);
      } catch (failure) {
        if (command === 'evalsha' && /NOSCRIPT/.test(String((failure as Error)?.message))) continue;
        throw failure;
      }
    }
    throw new Error('unreachable');
  };
  const pipelined = async (command: readonly (string | number)[]): Promise<unknown> => {
    const client = c as unknown as { pipeline?: (commands: unknown[][]) => { exec(): Promise<[Error | null, unknown][] | null> } };
    if (typeof client.pipeline !== 'function') throw new LifecycleError('invalid_argument', 'waitReplicas needs a client with pipeline() (ioredis)');
    const results = await client.pipeline([[...command], ['wait', waitReplicas, waitTimeoutMs]]).exec();
    const [error, value] = results?.[0] ?? [new Error('the pipeline returned nothing'), undefined];
    if (error !== null) throw error;
    return value;
  };

  const tag = (bucket: number) => `${prefix}{${bucket}}`;
  const bucketKeys = (bucket: number) => ({ due: `${tag(bucket)}due`, idle: `${tag(bucket)}idle` });
  /** A message's hash (its state, history and event ids) and its side events' hash. */
  const messageKey = (messageId: string, bucket = bucketOf(messageId, buckets)) => `${tag(bucket)}m:${messageId}`;
  const sideKey = (messageId: string) => `${tag(bucketOf(messageId, buckets))}x:${messageId}`;

  // The delays of a channel when a call gives none, worked out once.
  const defaultDelays = new Map<CompiledLifecycle, Delays>();
  const delaysOf = (lifecycle: CompiledLifecycle, given: ReturnType<typeof givenDelays>): Delays => {
    if (given.size > 0) return delaysFrom(lifecycle, resolveDelays(lifecycle, given));
    let d = defaultDelays.get(lifecycle);
    if (d === undefined) defaultDelays.set(lifecycle, (d = delaysFrom(lifecycle, resolveDelays(lifecycle, given))));
    return d;
  };
  // A call without delays for one channel (every webhook's): its delays, as delaysFor answers, worked out once.
  const defaultMaps = new Map<CompiledLifecycle, ReadonlyMap<string, Delays>>();
  const delaysFor = (lifecycles: readonly CompiledLifecycle[], opts: StoreApplyOptions | RegisterOptions | undefined): ReadonlyMap<string, Delays> => {
    if (lifecycles.length === 1 && (opts === undefined || (opts.delays === undefined && opts.validityMs === undefined))) {
      let known = defaultMaps.get(lifecycles[0]);
      if (known === undefined) defaultMaps.set(lifecycles[0], (known = new Map([[lifecycles[0].name, delaysOf(lifecycles[0], new Map())]])));
      return known;
    }
    const given = givenDelays(opts);
    if (given.size > 0) checkDelayNames(lifecycles, given);
    return new Map(lifecycles.map((l) => [l.name, delaysOf(l, given)]));
  };
  /** When a message written at `t` may leave, as the scripts store it: final (retain), idle ('' never). */
  const leaveArgs = (t: number): [string, string] => [String(t + retainMs), idleMs < 0 ? '' : String(t + idleMs)];

  const prepare = (items: readonly BatchItem[]): Prepared[] => {
    return items.map((item, index) => {
      const { messageId, lifecycle, report, detail } = readBatchItem(item, index, register);
      const id = lifecycle.ids.get(report.status as string);
      return {
        messageId,
        lifecycle,
        status: id !== undefined && id >= 0 ? id : -1,
        incoming: report.status,
        id: report.id ?? '',
        idJson: report.id === undefined || report.id === '' ? '' : JSON.stringify(report.id),
        atMs: report.at,
        at: report.at === undefined ? '' : String(report.at),
        detail: detail === undefined ? '' : JSON.stringify(detail),
      };
    });
  };

  /** The keys and arguments of one apply call: reports of one bucket (src/redis/lua.ts, apply_t). */
  const applyCall = (batch: readonly Prepared[], indexes: readonly number[], bucket: number, delays: ReadonlyMap<string, Delays>, t: number) => {
    const bk = bucketKeys(bucket);
    const keys = [bk.due, bk.idle];
    const args: string[] = [String(t), ...leaveArgs(t)];
    for (const i of indexes) {
      const p = batch[i];
      keys.push(messageKey(p.messageId, bucket));
      const d = delays.get(p.lifecycle.name) as Delays;
      // The deadline the reported status takes if it becomes current (at the report's time, else now) with these delays:
      // the script uses it for a message stored with the same delays and works it out itself otherwise.
      const shortest = p.status < 0 ? undefined : d.shortest[p.status];
      const deadline = shortest === undefined ? '' : String((p.atMs ?? t) + shortest);
      args.push(p.messageId, p.lifecycle.name, String(p.status), p.idJson, p.at, p.detail, d.text, deadline);
    }
    return { keys, args };
  };
  /** The result of one report from the script's answer (`c` + the stored channel: a channel mismatch, thrown unless perItem). */
  const resultOf = (p: Prepared, answer: string, opts: StoreApplyOptions | undefined, perItem: boolean): BatchResult => {
    if (answer === 'x') throw corruptState(p.messageId, perItem ? "; the batch's other reports were applied" : '');
    if (answer[0] !== 'c') return decide(p, answer, opts);
    const storedChannel = answer.slice(1);
    const message = `message ${show(p.messageId)} is stored as ${show(storedChannel)}, not ${show(p.lifecycle.name)}`;
    if (!perItem) throw new LifecycleError('invalid_argument', `${message}; nothing was written`, { channel: p.lifecycle.name });
    const mismatch: ChannelMismatch = { outcome: 'rejected', code: 'channel_mismatch', channel: p.lifecycle.name, storedChannel, implied: [], message };
    return mismatch;
  };
  const entryOf = (opts: StoreApplyOptions | undefined): Entry => (policyOf(opts) === 't' ? 'apply_t' : 'apply_s');

  const run = async (batch: Prepared[], opts: StoreApplyOptions | undefined): Promise<BatchResult[]> => {
    const entry = entryOf(opts);
    const delays = delaysFor([...new Set(batch.map((p) => p.lifecycle))], opts);
    const t = now();
    const answers: string[] = new Array<string>(batch.length);
    const groups = new Map<number, number[]>();
    batch.forEach((p, i) => {
      const b = bucketOf(p.messageId, buckets);
      const list = groups.get(b);
      if (list === undefined) groups.set(b, [i]);
      else list.push(i);
    });
    await Promise.all(
      [...groups].map(async ([bucket, indexes]) => {
        const { keys, args } = applyCall(batch, indexes, bucket, delays, t);
        // One report's answer comes as it is, several as a list.
        const out = await invoke(entry, keys, args, true);
        if (indexes.length === 1) answers[indexes[0]] = String(out);
        else {
          indexes.forEach((i, k) => {
            answers[i] = String((out as unknown[])[k]);
          });
        }
      }),
    );
    return batch.map((p, i) => resultOf(p, answers[i], opts, true));
  };

  return {
    async apply(messageId, channel, event, opts) {
      // One report: one async frame and one call, no batch bookkeeping (this runs for every callback).
      const batch = prepare([{ messageId, channel, event }]);
      const entry = entryOf(opts);
      const delays = delaysFor([batch[0].lifecycle], opts);
      const { keys, args } = applyCall(batch, [0], bucketOf(messageId, buckets), delays, now());
      return resultOf(batch[0], String(await invoke(entry, keys, args, true)), opts, false) as ApplyResult<StatusOf<typeof channel>>;
    },
    async applyMany(items, opts) {
      if (!Array.isArray(items)) throw new LifecycleError('invalid_argument', `applyMany takes an array, got ${show(items)}`);
      if (items.length === 0) {
        policyOf(opts);
        return [];
      }
      return run(prepare(items), opts);
    },
    async register(messageId, channel, opts) {
      checkMessageId(messageId);
      const lifecycle = register(channel);
      checkOptions(opts);
      const delays = (delaysFor([lifecycle], opts).get(lifecycle.name) as Delays).text;
      const t = now();
      const since = opts?.at === undefined ? t : readTime(opts.at, 'invalid_argument');
      const bk = bucketKeys(bucketOf(messageId, buckets));
      const out = (await invoke('register', [bk.due, bk.idle, messageKey(messageId)], [
        t, lifecycle.name, messageId, String(since), delays, opts?.at === undefined ? '' : String(since), ...leaveArgs(t),
      ], true)) as unknown[];
      if (out[1] === 'x') throw corruptState(messageId, '');
      if (String(out[1]) !== lifecycle.name) {
        throw new LifecycleError('invalid_argument', `message ${show(messageId)} is stored as ${show(String(out[1]))}, not ${show(lifecycle.name)}`, { channel: lifecycle.name });
      }
      return { registered: Number(out[0]) === 1 };
    },
    async expireDue(opts?: ExpireOptions): Promise<ExpireResult> {
      checkOptions(opts);
      const at = opts?.now ?? now();
      if (typeof at !== 'number' || !Number.isFinite(at)) throw new LifecycleError('invalid_argument', `now must be epoch ms, got ${show(at)}`);
      const limit = opts?.limit;
      if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1 || limit > 2_147_483_647)) {
        throw new LifecycleError('invalid_argument', `limit must be a positive integer, got ${show(limit)}`);
      }
      // 1. What is due, bucket by bucket (each bucket's earliest `limit`), merged: the earliest `limit` overall.
      const due = (
        await Promise.all(
          Array.from({ length: buckets }, async (_, bucket) => {
            const read = await c.zrangebyscore(bucketKeys(bucket).due, '-inf', at, 'WITHSCORES', ...(limit === undefined ? [] : ['LIMIT', 0, limit]));
            const found: { bucket: number; id: string; deadline: number; seen: string }[] = [];
            for (let i = 0; i < read.length; i += 2) found.push({ bucket, id: read[i], deadline: Number(read[i + 1]), seen: read[i + 1] });
            return found;
          }),
        )
      )
        .flat()
        .sort((a, b) => a.deadline - b.deadline || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .slice(0, limit ?? Infinity);
      // 2. Fire them, per bucket in one script that re-checks each deadline (a concurrent sweeper or apply may have moved it).
      const groups = new Map<number, typeof due>();
      for (const d of due) groups.set(d.bucket, [...(groups.get(d.bucket) ?? []), d]);
      const moved = new Set<string>();
      await Promise.all(
        [...groups].map(async ([bucket, list]) => {
          const bk = bucketKeys(bucket);
          const keys = [bk.due, bk.idle];
          const args: (string | number)[] = [at, ...leaveArgs(at)];
          for (const d of list) {
            keys.push(messageKey(d.id, bucket));
            args.push(d.id, d.seen);
          }
          const out = (await invoke('sweep', keys, args, true)) as string[];
          for (const id of out) moved.add(String(id));
        }),
      );
      const messageIds = due.filter((d) => moved.has(d.id)).map((d) => d.id);
      return { count: messageIds.length, messageIds };
    },
    async recordSideEvent(messageId, event) {
      checkMessageId(messageId);
      const side = readSideEvent(event);
      const text = (value: string | undefined): string => (value === undefined ? '' : `=${value}`);
      const { id } = side;
      const fields = [text(side.provider), text(side.kind), text(side.detail), side.at === undefined ? '' : String(side.at)];
      const bk = bucketKeys(bucketOf(messageId, buckets));
      const out = await invoke('side', [bk.idle, messageKey(messageId), sideKey(messageId)], [now(), retainMs, messageId, id, ...fields, MAX_SIDE_EVENTS], true);
      return { recorded: Number(out) === 1 };
    },
    sideEvents: (messageId) => readSideEvents(messageId),
    get: (messageId) => readMessage(messageId),
    history: (messageId) => readHistory(messageId),
    async stats(opts: StatsOptions = {}): Promise<DeliveryReport> {
      checkOptions(opts);
      const { statsFromRecords } = await import('./stats');
      const lifecycles = [...registry.values()];
      // Per shard (each master, or the one Redis): its messages found by SCAN, folded; the shards' reports merged.
      const shards = typeof c.nodes === 'function' ? c.nodes('master') : [c as Required<Pick<RedisClient, 'call'>>];
      const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}{*}m:*`;
      const reports = await Promise.all(
        shards.map(async (shard) => {
          if (typeof shard.call !== 'function') throw new LifecycleError('invalid_argument', 'stats needs a client with call() (ioredis)');
          const ids: string[] = [];
          let cursor = '0';
          do {
            const [next, keys] = (await shard.call('SCAN', cursor, 'MATCH', pattern, 'COUNT', 1000)) as [string, string[]];
            cursor = String(next);
            for (const key of keys) {
              const rest = key.slice(prefix.length);
              const close = rest.indexOf('}');
              if (/^\{\d+$/.test(rest.slice(0, close)) && rest.startsWith('m:', close + 1)) ids.push(rest.slice(close + 3));
            }
          } while (cursor !== '0');
          const records = await Promise.all(
            [...new Set(ids)].map(async (id) => {
              const { row, rows } = await readBoth(id);
              const message = messageOf(id, row, rows);
              if (message === undefined) return undefined;
              const history = historyOf(row, rows);
              return { message, history, first: Number(row.first), ...(row.reg === undefined || row.reg === '' ? {} : { registeredAt: Number(row.reg) }) };
            }),
          );
          return records.filter((r) => r !== undefined);
        }),
      );
      return statsFromRecords(lifecycles, reports, opts);
    },
    async archive(opts = {}) {
      checkOptions(opts);
      const at = opts.now ?? now();
      const limit = opts.limit ?? 1000;
      if (!Number.isSafeInteger(limit) || limit < 1) throw new LifecycleError('invalid_argument', `limit must be a positive integer, got ${show(limit)}`);
      if (onArchive === undefined) return { count: 0, messageIds: [] };
      const candidates = (
        await Promise.all(
          Array.from({ length: buckets }, async (_, bucket) => (await c.zrangebyscore(bucketKeys(bucket).idle, '-inf', at, 'LIMIT', 0, limit)).map((id) => ({ bucket, id }))),
        )
      )
        .flat()
        .slice(0, limit);
      const records: (ArchivedRecord & { bucket: number })[] = [];
      for (const { bucket, id } of candidates) {
        const [{ row, rows }, sides] = await Promise.all([readBoth(id), readSideEvents(id)]);
        const message = messageOf(id, row, rows);
        records.push({ bucket, messageId: id, message, history: message === undefined ? [] : historyOf(row, rows), sideEvents: sides });
      }
      // An entry with nothing left under it (removed by hand) is dropped without a hand-over.
      const handed = records.filter((r) => r.message !== undefined || r.sideEvents.length > 0);
      if (handed.length > 0) await onArchive(handed.map(({ bucket: _, ...record }) => record));
      const gone: string[] = [];
      const groups = new Map<number, typeof records>();
      for (const r of records) groups.set(r.bucket, [...(groups.get(r.bucket) ?? []), r]);
      await Promise.all(
        [...groups].map(async ([bucket, list]) => {
          const bk = bucketKeys(bucket);
          const keys = [bk.idle, bk.due];
          const args: (string | number)[] = [at];
          for (const r of list) {
            keys.push(messageKey(r.messageId, bucket), sideKey(r.messageId));
            args.push(r.messageId, r.message === undefined ? '' : String(r.message.version), r.sideEvents.length);
          }
          for (const id of (await invoke('drop', keys, args)) as string[]) gone.push(String(id));
        }),
      );
      const handedIds = new Set(handed.map((r) => r.messageId));
      const messageIds = gone.filter((id) => handedIds.has(id));
      return { count: messageIds.length, messageIds };
    },
  };

  /**
   * The message's hash, read in one command: its named fields (`st` decoded
   * into `s v since dl u dy c`) and its history rows (a field per row, named
   * by its version; the provider id from the `#` field naming that version).
   */
  async function readBoth(messageId: string): Promise<{ row: Record<string, string>; rows: HistoryRow[] }> {
    checkMessageId(messageId);
    const hash = (await c.hgetall(messageKey(messageId))) ?? {};
    const row: Record<string, string> = {};
    const rows: HistoryRow[] = [];
    const ids = new Map<number, string>();
    for (const [field, value] of Object.entries(hash)) {
      const text = String(value);
      if (field.startsWith('#')) ids.set(Number(text), jsonOf(messageId, field.slice(1)));
      else if (DIGITS.test(field)) rows.push(historyRow(messageId, Number(field), text));
      else row[field] = text;
    }
    if (row.st !== undefined) {
      // The state field the scripts write (src/redis/lua.ts): s v since dl u dy c, the channel last.
      const state = /^(\S+) (\S+) (\S+) (\S*) (\S+) (\S*) ([\s\S]*)$/.exec(row.st);
      if (state === null) throw corruptState(messageId, '');
      [, row.s, row.v, row.since, row.dl, row.u, row.dy, row.c] = state;
    }
    rows.sort((a, b) => a.q - b.q);
    // The rows are versions 1…v exactly and every event id names one of them: anything else (a row lost or
    // added by hand, another release's layout with its history elsewhere) is said, not read as a shorter history.
    const version = row.v === undefined ? 0 : Number(row.v);
    if (rows.length !== version || rows.some((r, i) => r.q !== i + 1)) {
      throw corruptState(messageId, `: its history has ${rows.length} rows for version ${row.v ?? 0}`);
    }
    for (const [q, id] of ids) {
      const r = rows[q - 1] as { id?: string } | undefined;
      if (r === undefined) throw corruptState(messageId, '');
      r.id = id;
    }
    return { row, rows };
  }

  async function readMessage(messageId: string): Promise<StoredMessage | undefined> {
    const { row, rows } = await readBoth(messageId);
    return messageOf(messageId, row, rows);
  }

  /** The stored state; counts are tallied from the history (each entry is its status becoming or staying current). */
  function messageOf(messageId: string, row: Record<string, string>, rows: readonly HistoryRow[]): StoredMessage | undefined {
    if (row.c === undefined) return undefined;
    const lifecycle = registry.get(row.c);
    const counts: Record<string, number> = {};
    for (const status of lifecycle?.statuses ?? []) counts[status] = 0;
    for (const r of rows) {
      const name = lifecycle?.statuses[r.t] ?? String(r.t);
      counts[name] = (counts[name] ?? 0) + 1;
    }
    return {
      messageId,
      channel: row.c,
      status: lifecycle?.statuses[Number(row.s)] ?? String(row.s),
      counts,
      version: Number(row.v),
      updatedAt: new Date(Number(row.u)),
      since: Number(row.since),
      ...(row.dl === '' || row.dl === undefined ? {} : { deadline: Number(row.dl) }),
    };
  }

  async function readSideEvents(messageId: string): Promise<StoredSideEvent[]> {
    checkMessageId(messageId);
    const row = await c.hgetall(sideKey(messageId));
    return Object.entries(row ?? {})
      .map(([id, text]) => ({ id, e: JSON.parse(text) as { q: number; p?: string; k?: string; d?: string; at?: string; r: string } }))
      .sort((a, b) => a.e.q - b.e.q)
      .map(({ id, e }) => {
        const entry: { -readonly [K in keyof StoredSideEvent]: StoredSideEvent[K] } = { id, recordedAt: new Date(Number(e.r)) };
        if (e.p !== undefined) entry.provider = e.p;
        if (e.k !== undefined) entry.kind = e.k;
        if (e.d !== undefined) entry.detail = e.d;
        if (e.at !== undefined) entry.at = Number(e.at);
        return entry;
      });
  }

  async function readHistory(messageId: string): Promise<StoredTransition[]> {
    const { row, rows } = await readBoth(messageId);
    return historyOf(row, rows);
  }

  function historyOf(row: Record<string, string>, rows: readonly HistoryRow[]): StoredTransition[] {
    const lifecycle = row.c === undefined ? undefined : registry.get(row.c);
    const name = (id: number) => lifecycle?.statuses[id] ?? String(id);
    return rows.map((r) => {
      const entry: { -readonly [K in keyof StoredTransition]: StoredTransition[K] } = {
        seq: r.q,
        from: name(r.f),
        status: name(r.t),
        implied: r.i === 1,
        recordedAt: new Date(Number(r.r)),
      };
      if (r.id !== undefined) entry.id = r.id;
      if (r.at !== undefined) entry.at = Number(r.at);
      if (r.tm === 1) entry.timer = true;
      if (r.d !== undefined) entry.detail = r.d;
      return entry;
    });
  }
}

const DIGITS = /^\d+$/;
// A history row as the scripts write it (src/redis/lua.ts, fire): from, to, recorded at, at ('' none), 'i' implied or 't' timer, then the detail's JSON text.
const ROW = /^(\d+) (\d+) (\S+) (\S*) ([it]?)([\s\S]*)$/;

/** A provider id or detail as the client encoded it (JSON text of a string). */
function jsonOf(messageId: string, text: string): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw corruptState(messageId, '');
  }
  if (typeof value !== 'string') throw corruptState(messageId, '');
  return value;
}

/** One history row from its field (its version) and text. */
function historyRow(messageId: string, q: number, text: string): HistoryRow {
  const m = ROW.exec(text);
  if (m === null) throw corruptState(messageId, '');
  const row: { -readonly [K in keyof HistoryRow]: HistoryRow[K] } = { q, f: Number(m[1]), t: Number(m[2]), r: m[3] };
  if (m[4] !== '') row.at = m[4];
  if (m[5] === 'i') row.i = 1;
  else if (m[5] === 't') row.tm = 1;
  if (m[6] !== '') row.d = jsonOf(messageId, m[6]);
  return row;
}

/** A message whose state field this store did not write (another release's layout, a hand edit): it is left as it is. */
function corruptState(messageId: string, more: string): LifecycleError {
  return new LifecycleError('invalid_snapshot', `the stored state of message ${show(messageId)} is not in this store's format; it is left as it is${more}`);
}

/** The `applyStatus` result for the status the script decided on (and the script's own verdict, checked). */
function decide(p: Prepared, answer: string, opts: StoreApplyOptions | undefined): ApplyResult {
  const flag = answer[0];
  const from = p.lifecycle.statuses[Number(answer.slice(1))];
  if (from === undefined || !'adn'.includes(flag)) throw new Error(`delivery-lifecycle: unexpected answer from the Redis apply script: ${JSON.stringify(answer)}`);
  if (flag === 'd') {
    const ignored: Ignored = {
      outcome: 'ignored',
      status: from,
      from,
      code: 'duplicate',
      implied: [],
      message: `${p.lifecycle.name}: event id ${show(p.id)} was already applied to ${show(p.messageId)}`,
    };
    return ignored;
  }
  const result = applyStatus(p.lifecycle, from, p.incoming, opts);
  if ((result.outcome === 'applied') !== (flag === 'a')) throw new Error(`delivery-lifecycle: Redis and applyStatus disagree on ${from} → ${show(p.incoming)}`);
  return result;
}
