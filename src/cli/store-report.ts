import type { DeliveryReport } from '../report/model';
import { describe, openStore } from './database';
import { UsageError } from './io';

/** Where the store is and which messages to count. */
export interface StoreReportOptions {
  readonly databaseUrl: string;
  readonly schema?: string;
  readonly tablePrefix?: string;
  readonly channel?: string;
  /** Epoch ms or ISO 8601. */
  readonly since?: string | number;
  readonly until?: string | number;
}

/**
 * The delivery report of a PostgreSQL store (`store.stats`), for `report
 * --database-url`. Read-only: the store is not migrated here. Throws
 * {@link UsageError} for a missing `pg`, a bad connection string or bad
 * options, and `Error('cannot read the store: …')` (the connection string
 * never in it) when the database cannot be reached or refuses.
 *
 * @example await storeReport({ databaseUrl: 'postgres://localhost/app', channel: 'sms' })
 */
export async function storeReport(options: StoreReportOptions): Promise<DeliveryReport> {
  const { client, store } = await openStore('report', options);
  try {
    await client.connect();
    return await store.stats({ channel: options.channel, since: options.since, until: options.until });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'unknown_channel' || (error as { code?: unknown }).code === 'invalid_argument') {
      throw new UsageError((error as Error).message);
    }
    // No `cause`: the original error may carry the connection string, which holds the password.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`cannot read the store: ${describe(error, options.databaseUrl)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
