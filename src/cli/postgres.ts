import type { PostgresStore } from '../postgres/store';
import { UsageError } from './io';

/** The part of `pg` the commands use, loaded on demand (an optional peer dependency). */
export interface PgClient {
  connect(): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  query(...args: never[]): unknown;
}

type PgClientClass = new (config: { connectionString: string; connectionTimeoutMillis: number }) => PgClient;

/** `pg`'s Client class; a {@link UsageError} naming `command` when the package is missing. */
export async function loadPg(command: string): Promise<PgClientClass> {
  try {
    const pg = (await import('pg')) as unknown as { Client?: unknown; default?: { Client?: unknown } };
    return (pg.Client ?? pg.default?.Client) as PgClientClass;
  } catch {
    throw new UsageError(`the ${command} command needs the pg package: npm install pg`);
  }
}

/** Options of the PostgreSQL store as the service created it. */
export interface PostgresStoreTarget {
  readonly schema?: string;
  readonly tablePrefix?: string;
  /** Bound on connecting, in ms. */
  readonly timeoutMs: number;
}

/**
 * A `pg` client (not yet connected) and the PostgreSQL store over it.
 * Throws {@link UsageError} for a missing `pg`, a connection string `pg`
 * cannot parse (never echoed: `describe` removes it) or bad store options.
 *
 * @example const { client, store } = await openPostgresStore('expire', url, { timeoutMs: 10_000 }, describe)
 */
export async function openPostgresStore(
  command: string,
  url: string,
  options: PostgresStoreTarget,
  describe: (error: unknown) => string,
): Promise<{ client: PgClient; store: PostgresStore }> {
  const Client = await loadPg(command);
  let client: PgClient;
  try {
    client = new Client({ connectionString: url, connectionTimeoutMillis: options.timeoutMs });
  } catch (error) {
    throw new UsageError(`--database-url is not a connection string pg can use: ${describe(error)}`);
  }
  client.on('error', () => undefined);
  // Loaded on demand, so the other commands do not load the store.
  const { createPostgresStore } = await import('../postgres/store');
  try {
    return { client, store: createPostgresStore(client, { schema: options.schema, tablePrefix: options.tablePrefix }) };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
