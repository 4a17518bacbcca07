import type { DatabaseOptions } from './database';
import { EXIT, type CliIo } from './io';

export interface ExpireCommandOptions extends DatabaseOptions {
  readonly limit?: number;
  readonly json: boolean;
}

/**
 * `delivery-lifecycle expire`: one `expireDue` call against the store
 * (PostgreSQL or Redis, by the URL's scheme), for a cron job. Exit 0 when
 * the sweep ran (whether or not anything was due), 1 when the store could
 * not be reached within the timeout or refused, 2 for bad usage (including
 * a URL that cannot be used, an option of the other engine and a missing
 * `pg` or `ioredis` package). The URL and its password are never printed.
 * A PostgreSQL store is not migrated here: run the service's `migrate()`
 * first.
 *
 * @example await runExpire(io, { databaseUrl: 'redis+cluster://10.0.0.1:7000', limit: 1000, json: true })
 */
export async function runExpire(io: CliIo, options: ExpireCommandOptions): Promise<number> {
  // Loaded on demand, so the other commands do not load the store code.
  const { describe, openStore } = await import('./database');
  const opened = await openStore('expire', options);
  try {
    await opened.connect();
    const result = await opened.store.expireDue(options.limit === undefined ? {} : { limit: options.limit });
    if (options.json) io.stdout.write(`${JSON.stringify(result)}\n`);
    else io.stdout.write(`expired ${result.count} message${result.count === 1 ? '' : 's'}\n`);
    return EXIT.ok;
  } catch (error) {
    io.stderr.write(`error: expiry failed: ${describe(error, options.databaseUrl)}\n`);
    return EXIT.notOk;
  } finally {
    await opened.close();
  }
}
