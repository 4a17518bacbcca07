import { createHash } from 'node:crypto';
import { LifecycleError } from '../errors';
import { show } from '../messages';
import type { ReplayCache } from '../webhooks/types';
import { toSqlClient, type SqlClient } from './client';

export interface PostgresReplayCacheOptions {
  /** Schema for the table (created by `migrate`); default: the connection's search_path. */
  readonly schema?: string;
  /** Prefix of the table name; default `'delivery_'` (table `delivery_replay`). */
  readonly tablePrefix?: string;
  /** Expired keys are deleted once every this many `seen` calls (in the background); default 1000, 0 never. */
  readonly pruneEvery?: number;
}

/** The replay cache returned by {@link createPostgresReplayCache}. */
export interface PostgresReplayCache extends ReplayCache {
  /** Creates the table if missing (idempotent, safe from several instances at once). */
  migrate(): Promise<void>;
  /** Records `key` for `ttlMs`; `true` when it was already recorded and has not expired. One atomic statement. */
  seen(key: string, ttlMs: number): Promise<boolean>;
  /** Forgets `key` (the request it came with was answered 5xx, so the provider's retry must pass). */
  forget(key: string): Promise<void>;
  /** Deletes expired keys now; resolves to how many. */
  prune(): Promise<number>;
  /** The table (quoted, schema-qualified). */
  readonly table: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,40}$/;

// Same rule as the store's tables (src/postgres/sql.ts): no name from options can inject SQL.
function identifier(name: unknown, what: string): string {
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
    throw new LifecycleError('invalid_argument', `createPostgresReplayCache: ${what} must match ${IDENTIFIER}, got ${show(name)}`);
  }
  return `"${name}"`;
}

/** Keys longer than this (or holding NUL, which text cannot) are stored as their SHA-256. */
const MAX_KEY = 256;

function storedKey(key: string): string {
  if (key.length <= MAX_KEY && !key.includes('\0')) return key;
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

/**
 * A {@link ReplayCache} in a PostgreSQL (or PGlite) table, for services with
 * several instances: a signature or token used through one instance is
 * refused by all of them inside its window. `seen` is one
 * `INSERT … ON CONFLICT` statement that takes a key over when its previous
 * record has expired, so it is atomic across connections; expired rows are
 * deleted every `pruneEvery` calls and by `prune()`. Times are the
 * database's clock, shared by every instance. Throws `LifecycleError`
 * (`invalid_argument`) for a bad option, a key that is not a string or a
 * negative ttl.
 *
 * @example
 * import { Pool } from 'pg';
 * import { createPostgresReplayCache } from 'delivery-lifecycle/postgres';
 * const replayCache = createPostgresReplayCache(pool);
 * await replayCache.migrate();
 * createWebhookHandler({ provider: 'mailgun', verify: { signingKey, replayCache }, store });
 */
export function createPostgresReplayCache(db: unknown, options: PostgresReplayCacheOptions = {}): PostgresReplayCache {
  if (typeof options !== 'object' || options === null) throw new LifecycleError('invalid_argument', `createPostgresReplayCache: options must be an object, got ${show(options)}`);
  const client: SqlClient = toSqlClient(db);
  const prefix = options.tablePrefix ?? 'delivery_';
  if (prefix !== '') identifier(prefix, 'tablePrefix');
  const schema = options.schema === undefined ? undefined : identifier(options.schema, 'schema');
  const bare = identifier(`${prefix}replay`, 'table');
  const table = schema === undefined ? bare : `${schema}.${bare}`;
  const index = identifier(`${prefix}replay_expires`, 'index');
  const pruneEvery = options.pruneEvery ?? 1000;
  if (!Number.isSafeInteger(pruneEvery) || pruneEvery < 0) {
    throw new LifecycleError('invalid_argument', `createPostgresReplayCache: pruneEvery must be a non-negative integer, got ${show(pruneEvery)}`);
  }

  // A row comes back when the key was free: new, or its record had expired.
  const seenSql = `INSERT INTO ${table} AS r (key, expires_at) VALUES ($1, now() + make_interval(secs => $2::float8 / 1000))
ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE r.expires_at <= now()
RETURNING true AS fresh`;
  const forgetSql = `DELETE FROM ${table} WHERE key = $1`;
  const pruneSql = `WITH gone AS (DELETE FROM ${table} WHERE expires_at <= now() RETURNING 1) SELECT count(*)::int AS n FROM gone`;
  let calls = 0;
  // Named per text: two caches on one connection with different tables must not share a prepared statement.
  const name = (kind: string, text: string) => `dl_replay_${kind}_${(lockKey(text) >>> 0).toString(36)}`;
  const seenName = name('seen', seenSql);
  const forgetName = name('forget', forgetSql);
  const pruneName = name('prune', pruneSql);

  const prune = async (): Promise<number> => Number((await client.query(pruneSql, [], pruneName)).rows[0]?.n ?? 0);

  return {
    table,
    async migrate() {
      const statements = [
        `SELECT pg_advisory_xact_lock(${lockKey(table)})`,
        ...(schema === undefined ? [] : [`CREATE SCHEMA IF NOT EXISTS ${schema}`]),
        `CREATE TABLE IF NOT EXISTS ${table} (key text PRIMARY KEY, expires_at timestamptz NOT NULL)`,
        `CREATE INDEX IF NOT EXISTS ${index} ON ${table} (expires_at)`,
      ];
      // A client with only query(text, params) runs them as one DO block, as the store's migrate does.
      if (client.exec !== undefined) await client.exec(statements.join(';\n'));
      else await client.query(`DO $dl_migrate$\nBEGIN\n${statements.map((st) => `EXECUTE $dl_step$${st}$dl_step$;`).join('\n')}\nEND\n$dl_migrate$`, []);
    },
    async seen(key, ttlMs) {
      if (typeof key !== 'string' || key === '') throw new LifecycleError('invalid_argument', 'replay cache: key must be a non-empty string');
      if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs < 0) {
        throw new LifecycleError('invalid_argument', `replay cache: ttlMs must be a finite number, 0 or more, got ${show(ttlMs)}`);
      }
      const rows = (await client.query(seenSql, [storedKey(key), ttlMs], seenName)).rows;
      if (pruneEvery > 0 && ++calls % pruneEvery === 0) prune().catch(() => undefined);
      return rows.length === 0;
    },
    async forget(key) {
      if (typeof key !== 'string') throw new LifecycleError('invalid_argument', 'replay cache: key must be a string');
      await client.query(forgetSql, [storedKey(key)], forgetName);
    },
    prune,
  };
}

function lockKey(text: string): number {
  let h = 0x2545f491;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h | 0;
}
