import type { DeliveryReport } from '../report/model';
import { describe, openStore, type DatabaseOptions } from './database';
import { UsageError } from './io';

/** Where the store is and which messages to count. */
export interface StoreReportOptions extends DatabaseOptions {
  readonly channel?: string;
  /** Epoch ms or ISO 8601. */
  readonly since?: string | number;
  readonly until?: string | number;
}

/**
 * The delivery report of a store (`store.stats`; PostgreSQL or Redis, by
 * the URL's scheme), for `report --database-url`, with the store's label
 * (no credentials in it). Read-only: the store is not migrated here.
 * Throws {@link UsageError} for a missing `pg` or `ioredis`, a URL that
 * cannot be used or bad options, and `Error('cannot read the store: …')`
 * (neither the URL nor its password in it) when the store cannot be
 * reached within the timeout or refuses.
 *
 * @example const { report, label } = await storeReport({ databaseUrl: 'redis://localhost:6379', channel: 'sms' })
 */
export async function storeReport(options: StoreReportOptions): Promise<{ report: DeliveryReport; label: string }> {
  const opened = await openStore('report', options);
  try {
    await opened.connect();
    return { report: await opened.store.stats({ channel: options.channel, since: options.since, until: options.until }), label: opened.label };
  } catch (error) {
    if ((error as { code?: unknown }).code === 'unknown_channel' || (error as { code?: unknown }).code === 'invalid_argument') {
      throw new UsageError((error as Error).message);
    }
    // No `cause`: the original error may carry the connection string, which holds the password.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`cannot read the store: ${describe(error, options.databaseUrl)}`);
  } finally {
    await opened.close();
  }
}
