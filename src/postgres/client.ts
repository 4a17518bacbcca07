import { LifecycleError } from '../errors';

/** Rows as a driver returns them. */
export interface SqlResult {
  readonly rows: readonly Record<string, unknown>[];
}

/**
 * The little a store needs from a database connection. `pg` (`Pool`,
 * `Client`) and PGlite instances are adapted automatically; anything else
 * can be passed as is if it has `query(text, params)` that runs one
 * PostgreSQL statement with `$1…` parameters and resolves to `{ rows }`
 * (rows as objects keyed by column name, `text[]` columns as arrays).
 * `exec` is optional: without it, `migrate()` sends its statements as one
 * `DO` block through `query` (with no parameters).
 */
export interface SqlClient {
  /** Runs one parameterised statement. `name` lets a driver keep it prepared. */
  query(text: string, params: readonly unknown[], name?: string): Promise<SqlResult>;
  /** Runs several statements without parameters, atomically when the driver allows it. */
  exec?(text: string): Promise<void>;
}

type Queryable = { query: (...args: never[]) => unknown };

function hasMethod<K extends string>(value: unknown, key: K): value is Record<K, (...args: never[]) => unknown> {
  return typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>)[key] === 'function';
}

/**
 * Wraps a `pg` Pool/Client, a PGlite instance or a ready {@link SqlClient}.
 * Detection is by shape: PGlite has `exec`; `pg` has `connect`.
 */
export function toSqlClient(db: unknown): SqlClient {
  if (!hasMethod(db, 'query')) {
    throw new LifecycleError('invalid_argument', 'createPostgresStore needs a pg Pool or Client, a PGlite instance, or an object with query(text, params) that runs one statement and resolves to { rows }');
  }
  const q = db as Queryable;
  if (hasMethod(db, 'exec') && hasMethod(db, 'query') && !hasMethod(db, 'connect')) {
    // PGlite: query(text, params) for one statement, exec(text) for several.
    const lite = db as unknown as {
      query(text: string, params?: unknown[]): Promise<SqlResult>;
      exec(text: string): Promise<unknown>;
    };
    return {
      query: (text, params) => lite.query(text, [...params]),
      exec: async (text) => {
        await lite.exec(text);
      },
    };
  }
  if (hasMethod(db, 'connect')) {
    // pg: the config form keeps the statement prepared per connection; a
    // parameterless multi-statement query runs as one implicit transaction.
    const pg = q as unknown as { query(config: { text: string; values?: unknown[]; name?: string } | string): Promise<SqlResult> };
    return {
      query: (text, params, name) =>
        pg.query(name === undefined ? { text, values: [...params] } : { text, values: [...params], name }),
      exec: async (text) => {
        await pg.query(text);
      },
    };
  }
  const generic = db as unknown as SqlClient;
  return typeof generic.exec === 'function'
    ? { query: (text, params, name) => generic.query(text, params, name), exec: (text) => (generic.exec as (text: string) => Promise<void>)(text) }
    : { query: (text, params, name) => generic.query(text, params, name) };
}
