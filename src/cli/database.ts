import type { PostgresStore } from '../postgres/store';
import { UsageError } from './io';

/** The part of `pg` the commands use, loaded on demand (an optional peer dependency). */
export interface PgClient {
  connect(): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  query(...args: never[]): unknown;
}

/** `pg`'s Client class; a {@link UsageError} naming `command` when the package is missing. */
export async function loadPg(command: string): Promise<new (config: { connectionString: string; connectionTimeoutMillis: number }) => PgClient> {
  try {
    const pg = (await import('pg')) as unknown as { Client?: unknown; default?: { Client?: unknown } };
    return (pg.Client ?? pg.default?.Client) as new (config: { connectionString: string; connectionTimeoutMillis: number }) => PgClient;
  } catch {
    throw new UsageError(`the ${command} command needs the pg package: npm install pg`);
  }
}

/** An error as one line without the connection string (it may hold a password). */
export function describe(error: unknown, url: string): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split(url).join('<database-url>');
}

/** Where a command finds the store. */
export interface DatabaseOptions {
  readonly databaseUrl: string;
  readonly schema?: string;
  readonly tablePrefix?: string;
}

/**
 * A `pg` client (not yet connected) and the store over it, for a command
 * given `--database-url`. Throws {@link UsageError} for a missing `pg`, a
 * connection string `pg` cannot parse (never echoed) or bad store options.
 * The caller connects, and ends the client when done.
 *
 * @example const { client, store } = await openStore('expire', { databaseUrl })
 */
export async function openStore(command: string, options: DatabaseOptions): Promise<{ client: PgClient; store: PostgresStore }> {
  const Client = await loadPg(command);
  let client: PgClient;
  try {
    client = new Client({ connectionString: options.databaseUrl, connectionTimeoutMillis: 10_000 });
  } catch (error) {
    throw new UsageError(`--database-url is not a connection string pg can use: ${describe(error, options.databaseUrl)}`);
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
