import { describe, openStore } from './database';
import { EXIT, type CliIo } from './io';

export interface ExpireCommandOptions {
  readonly databaseUrl: string;
  readonly limit?: number;
  readonly schema?: string;
  readonly tablePrefix?: string;
  readonly json: boolean;
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
  const { client, store } = await openStore('expire', options);
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
