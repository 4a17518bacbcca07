import type { DeliveryStore } from '../store';
import { UsageError } from './io';
import { parseRedisUrl, redisScheme, redisWhere, type RedisTarget } from './redis-url';

/** Where a command finds the store. */
export interface DatabaseOptions {
  /** `postgres://…` (anything `pg` reads), `redis://`, `rediss://`, `redis+cluster://` or `rediss+cluster://`. */
  readonly databaseUrl: string;
  /** PostgreSQL only. */
  readonly schema?: string;
  /** PostgreSQL only; the store's default (`delivery_`) when undefined. */
  readonly tablePrefix?: string;
  /** Redis only: the store's key prefix; its default (`dl:`) when undefined. */
  readonly keyPrefix?: string;
  /** Redis only: the store's bucket count; its default (256) when undefined. */
  readonly buckets?: number;
  /** Bound on connecting (and, for Redis, on each command), in ms; default 10 000. */
  readonly timeoutMs?: number;
}

/** A store a command opened: connect, use, close. */
export interface OpenedStore {
  readonly engine: 'postgres' | 'redis' | 'redis-cluster';
  readonly store: DeliveryStore;
  /** Which store, without credentials: `the Redis Cluster store at 10.0.0.1:7000`. */
  readonly label: string;
  /** Connects within the timeout, or rejects (the error goes through {@link describe}). */
  connect(): Promise<void>;
  /** Closes the connection; never rejects. */
  close(): Promise<void>;
}

function secretsOf(url: string): string[] {
  const passwords: string[] = [];
  const scheme = url.indexOf('://');
  if (scheme !== -1) {
    const rest = url.slice(scheme + 3);
    const authority = rest.slice(0, rest.search(/[/?#]|$/));
    const userinfo = authority.slice(0, Math.max(0, authority.lastIndexOf('@')));
    const colon = userinfo.indexOf(':');
    if (colon !== -1) passwords.push(userinfo.slice(colon + 1));
  }
  // pg also reads ?password=…
  for (const match of url.matchAll(/[?&]password=([^&#]*)/gi)) passwords.push(match[1] as string);
  const secrets = [url];
  for (const password of passwords) {
    secrets.push(password);
    try {
      secrets.push(decodeURIComponent(password));
    } catch {
      // Only the raw form can appear then.
    }
  }
  // Longest first, so the URL goes before the password inside it.
  return secrets.filter((s) => s !== '').sort((a, b) => b.length - a.length);
}

/**
 * An error as one line without the connection string or its password.
 *
 * @example describe(new Error('cannot reach redis://u:pw@h:1'), 'redis://u:pw@h:1') // 'cannot reach <database-url>'
 */
export function describe(error: unknown, url: string): string {
  let text = (error instanceof Error ? error.message : String(error)).split('\n')[0] as string;
  for (const secret of secretsOf(url)) text = text.split(secret).join(secret === url ? '<database-url>' : '<password>');
  return text;
}

/** Where a PostgreSQL URL points (host, port, database), without credentials; `undefined` when it is not a URL. */
function postgresWhere(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.host === '') return undefined;
    return `${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return undefined;
  }
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Opens the store `--database-url` names: a PostgreSQL store over a `pg`
 * client, or a Redis store over an ioredis `Redis` (`redis://`,
 * `rediss://`) or `Cluster` (`redis+cluster://`, `rediss+cluster://`), each
 * package loaded on demand. Nothing is connected yet. Throws
 * {@link UsageError} (exit 2) for a missing package, a URL that cannot be
 * used (never echoed), an option of the other engine or bad store options.
 *
 * @example
 * const opened = await openStore('expire', { databaseUrl: 'redis+cluster://10.0.0.1:7000' })
 * await opened.connect(); await opened.store.expireDue(); await opened.close()
 */
export async function openStore(command: string, options: DatabaseOptions): Promise<OpenedStore> {
  const url = options.databaseUrl;
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (redisScheme(url) !== undefined) {
    if (options.schema !== undefined || options.tablePrefix !== undefined) {
      throw new UsageError('--schema and --table-prefix are for a PostgreSQL store; a Redis store takes --key-prefix and --buckets');
    }
    const target: RedisTarget = parseRedisUrl(url);
    const { openRedisStore } = await import('./redis');
    const { client, store, connect } = await openRedisStore(command, target, { keyPrefix: options.keyPrefix, buckets: options.buckets, timeoutMs });
    const name = target.cluster ? 'Redis Cluster' : 'Redis';
    return {
      engine: target.cluster ? 'redis-cluster' : 'redis',
      store,
      label: `the ${name} store at ${redisWhere(target)}`,
      connect: async () => {
        try {
          await within(connect(), timeoutMs, name);
        } catch (error) {
          client.disconnect();
          throw error;
        }
      },
      close: async () => client.disconnect(),
    };
  }
  if (options.keyPrefix !== undefined || options.buckets !== undefined) {
    throw new UsageError('--key-prefix and --buckets are for a Redis store; a PostgreSQL store takes --schema and --table-prefix');
  }
  const { openPostgresStore } = await import('./postgres');
  const { client, store } = await openPostgresStore(command, url, { schema: options.schema, tablePrefix: options.tablePrefix, timeoutMs }, (error) => describe(error, url));
  const where = postgresWhere(url);
  return {
    engine: 'postgres',
    store,
    label: where === undefined ? 'the PostgreSQL store' : `the PostgreSQL store at ${where}`,
    connect: async () => {
      await within(client.connect(), timeoutMs + 1000, 'PostgreSQL');
    },
    close: async () => {
      await within(client.end(), 1000, 'PostgreSQL').catch(() => undefined);
    },
  };
}
