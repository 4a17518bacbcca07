import type { RedisStore } from '../redis/store';
import { UsageError } from './io';
import type { RedisTarget } from './redis-url';

/** The part of an ioredis `Redis` or `Cluster` the commands use besides what the store calls. */
export interface IoredisClient {
  connect(): Promise<unknown>;
  disconnect(): void;
  on(event: 'error' | 'node error', listener: (error: Error) => void): unknown;
}

/** An ioredis client and the reason of its last failure, for an error message better than ioredis's "Connection is closed.". */
export interface OpenedRedis {
  readonly client: IoredisClient;
  readonly store: RedisStore;
  /** Connects, rejecting with the underlying reason (refused, WRONGPASS, …) rather than ioredis's summary. */
  connect(): Promise<void>;
}

type RedisClass = new (options: Record<string, unknown>) => IoredisClient;
type ClusterClass = new (nodes: { host: string; port: number }[], options: Record<string, unknown>) => IoredisClient;

/** ioredis's `Redis` and `Cluster` classes; a {@link UsageError} naming `command` when the package is missing. */
export async function loadIoredis(command: string): Promise<{ Redis: RedisClass; Cluster: ClusterClass }> {
  try {
    const ioredis = (await import('ioredis')) as unknown as { Redis?: RedisClass; Cluster?: ClusterClass; default?: { Redis?: RedisClass; Cluster?: ClusterClass } };
    const Redis = ioredis.Redis ?? ioredis.default?.Redis;
    const Cluster = ioredis.Cluster ?? ioredis.default?.Cluster;
    if (Redis === undefined || Cluster === undefined) throw new Error('not ioredis');
    return { Redis, Cluster };
  } catch {
    throw new UsageError(`the ${command} command needs the ioredis package for a Redis store: npm install ioredis`);
  }
}

/** Options of the Redis store as the service created it. */
export interface RedisStoreTarget {
  /** Key prefix (`createRedisStore`'s `prefix`); the store's default when undefined. */
  readonly keyPrefix?: string;
  /** Bucket count (`createRedisStore`'s `buckets`); the store's default when undefined. */
  readonly buckets?: number;
  /** Bound on the TCP connect and on each command, in ms. */
  readonly timeoutMs: number;
}

/**
 * An ioredis client (not yet connected: `lazyConnect`, no reconnection, no
 * command retries, every command bounded by `timeoutMs`) and the Redis
 * store over it. Throws {@link UsageError} for a missing `ioredis` or bad
 * store options.
 *
 * @example const { client, store, connect } = await openRedisStore('expire', parseRedisUrl(url), { timeoutMs: 10_000 })
 */
export async function openRedisStore(command: string, target: RedisTarget, options: RedisStoreTarget): Promise<OpenedRedis> {
  const { Redis, Cluster } = await loadIoredis(command);
  const connection = {
    ...(target.username === undefined ? {} : { username: target.username }),
    ...(target.password === undefined ? {} : { password: target.password }),
    ...(target.tls ? { tls: {} } : {}),
    connectTimeout: options.timeoutMs,
    commandTimeout: options.timeoutMs,
    maxRetriesPerRequest: 0,
    // How long disconnect() waits for the socket to close (default 2 s): its timer kept a failed run alive that long.
    disconnectTimeout: 200,
  };
  const client = target.cluster
    ? new Cluster(
        target.nodes.map(({ host, port }) => ({ host, port })),
        { lazyConnect: true, clusterRetryStrategy: () => null, slotsRefreshTimeout: options.timeoutMs, redisOptions: connection },
      )
    : new Redis({ ...(target.nodes[0] as { host: string; port: number }), db: target.db, lazyConnect: true, retryStrategy: () => null, ...connection });
  // Errors reach the caller through connect() and the commands; without a listener ioredis would print them.
  let last: Error | undefined;
  const remember = (error: Error) => {
    last = error;
  };
  client.on('error', remember);
  // A cluster reports each seed's failure as 'node error' (for a refused or non-cluster node ioredis says only "Failed to refresh slots cache.").
  if (target.cluster) client.on('node error', remember);
  const connect = async (): Promise<void> => {
    try {
      await client.connect();
    } catch (error) {
      // ioredis's own message is a summary ("Connection is closed.", "None of startup nodes is available"); the reason came as an event.
      const reason = last ?? (error as { lastNodeError?: Error }).lastNodeError;
      throw reason === undefined || reason === error ? error : new Error(`${(error as Error).message.replace(/\.$/, '')}: ${reason.message}`);
    }
  };
  const { createRedisStore } = await import('../redis/store');
  try {
    return {
      client,
      connect,
      store: createRedisStore(client, { ...(options.keyPrefix === undefined ? {} : { prefix: options.keyPrefix }), ...(options.buckets === undefined ? {} : { buckets: options.buckets }) }),
    };
  } catch (error) {
    client.disconnect();
    throw new UsageError((error as Error).message);
  }
}
