import type { PostgresStore } from '../postgres/store';
import { EXIT, UsageError, type CliIo } from './io';

export interface ExpireCommandOptions {
  readonly databaseUrl: string;
  readonly limit?: number;
  readonly schema?: string;
  readonly tablePrefix?: string;
  readonly json: boolean;
}

/** The part of `pg` the command uses, loaded on demand (an optional peer dependency). */
export interface PgClient {
  connect(): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  query(...args: never[]): unknown;
}

/** `pg`'s Client class; a {@link UsageError} naming `command` when the package is missing. */
export async function loadPg(command = 'expire'): Promise<new (config: { connectionString: string; connectionTimeoutMillis: number }) => PgClient> {
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

/**
 * `delivery-lifecycle expire`: one `expireDue` call against the database, for
 * a cron job. Exit 0 when the sweep ran (whether or not anything was due),
 * 1 when the database could not be reached or refused the statement, 2 for
 * bad usage (including a connection string `pg` cannot parse and a missing
 * `pg` package). The store is not migrated here: run the service's
 * `migrate()` first.
 *
 * @example await runExpire(io, { databaseUrl: 'postgres://localhost/app', limit: 1000, json: true })
 */
export async function runExpire(io: CliIo, options: ExpireCommandOptions): Promise<number> {
  const Client = await loadPg();
  let client: PgClient;
  try {
    client = new Client({ connectionString: options.databaseUrl, connectionTimeoutMillis: 10_000 });
  } catch (error) {
    throw new UsageError(`--database-url is not a connection string pg can use: ${describe(error, options.databaseUrl)}`);
  }
  client.on('error', () => undefined);
  // Loaded on demand, so the other commands do not load the store.
  const { createPostgresStore } = await import('../postgres/store');
  let store: PostgresStore;
  try {
    store = createPostgresStore(client, { schema: options.schema, tablePrefix: options.tablePrefix });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  try {
    await client.connect();
    const result = await store.expireDue(options.limit === undefined ? {} : { limit: options.limit });
    if (options.json) io.stdout.write(`${JSON.stringify(result)}\n`);
    else io.stdout.write(`expired ${result.count} message${result.count === 1 ? '' : 's'}\n`);
    return EXIT.ok;
  } catch (error) {
    io.stderr.write(`error: expiry failed: ${describe(error, options.databaseUrl)}\n`);
    return EXIT.notOk;
  } finally {
    await client.end().catch(() => undefined);
  }
}
