import { PGlite } from '@electric-sql/pglite';
import { isLifecycleError } from '../../src';
import { createPostgresReplayCache, type PostgresReplayCache } from '../../src/postgres';

// One PGlite per file: starting one takes seconds.
let db: PGlite;
let cache: PostgresReplayCache;

beforeAll(async () => {
  db = new PGlite();
  cache = createPostgresReplayCache(db);
  await cache.migrate();
}, 60_000);

afterAll(async () => {
  await db.close();
});

const MINUTE = 60_000;

async function rows(table = cache.table): Promise<number> {
  return (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
}

test('a key is new once, then seen until it expires; migrate is idempotent', async () => {
  await cache.migrate();
  expect(await cache.seen('mailgun:t1', MINUTE)).toBe(false);
  expect(await cache.seen('mailgun:t1', MINUTE)).toBe(true);
  expect(await cache.seen('mailgun:t1', MINUTE)).toBe(true);
  expect(await cache.seen('mailgun:t2', MINUTE)).toBe(false);
});

test('an expired key is free again (ttl 0 expires at once, on the database clock)', async () => {
  expect(await cache.seen('sns:expired', 0)).toBe(false);
  expect(await cache.seen('sns:expired', MINUTE)).toBe(false);
  expect(await cache.seen('sns:expired', MINUTE)).toBe(true);
});

test('forget frees a key (the request was answered 5xx), other keys stay', async () => {
  expect(await cache.seen('twilio:f1', MINUTE)).toBe(false);
  expect(await cache.seen('twilio:f2', MINUTE)).toBe(false);
  await cache.forget('twilio:f1');
  await cache.forget('twilio:never-recorded');
  expect(await cache.seen('twilio:f1', MINUTE)).toBe(false);
  expect(await cache.seen('twilio:f2', MINUTE)).toBe(true);
});

test('concurrent seen of one key: exactly one caller gets false', async () => {
  const answers = await Promise.all(Array.from({ length: 40 }, () => cache.seen('race:1', MINUTE)));
  expect(answers.filter((a) => !a)).toHaveLength(1);
});

test('long keys and keys with NUL are stored by digest, without collisions', async () => {
  const a = `mailgun:${'a'.repeat(5000)}`;
  const b = `mailgun:${'a'.repeat(4999)}b`;
  expect(await cache.seen(a, MINUTE)).toBe(false);
  expect(await cache.seen(b, MINUTE)).toBe(false);
  expect(await cache.seen(a, MINUTE)).toBe(true);
  expect(await cache.seen('nul:\0x', MINUTE)).toBe(false);
  expect(await cache.seen('nul:\0y', MINUTE)).toBe(false);
  expect(await cache.seen('nul:\0x', MINUTE)).toBe(true);
  await cache.forget(a);
  expect(await cache.seen(a, MINUTE)).toBe(false);
  const keys = (await db.query<{ key: string }>(`SELECT key FROM ${cache.table}`)).rows.map((r) => r.key);
  expect(keys.every((k) => k.length <= 256 && !k.includes('\0'))).toBe(true);
});

test('prune deletes expired keys only, and seen prunes every pruneEvery calls', async () => {
  const own = createPostgresReplayCache(db, { tablePrefix: 'prune_', pruneEvery: 3 });
  await own.migrate();
  await own.seen('old-1', 0);
  await own.seen('old-2', 0);
  expect(await rows(own.table)).toBe(2);
  await own.seen('live', MINUTE); // the third call starts a prune in the background
  for (let i = 0; i < 50 && (await rows(own.table)) > 1; i++) await new Promise((r) => setTimeout(r, 10));
  expect(await rows(own.table)).toBe(1);
  await own.seen('old-3', 0);
  expect(await own.prune()).toBe(1);
  expect(await own.seen('live', MINUTE)).toBe(true);
});

test('schema and prefix are honoured; names that are not plain identifiers and bad arguments are refused', async () => {
  const other = createPostgresReplayCache(db, { schema: 'replay_unit', tablePrefix: 'x_' });
  await other.migrate();
  expect(other.table).toBe('"replay_unit"."x_replay"');
  expect(await other.seen('k', MINUTE)).toBe(false);
  expect(await cache.seen('k', MINUTE)).toBe(false); // another table, another record
  const code = (f: () => unknown) => {
    try {
      f();
      return 'no error';
    } catch (e) {
      return isLifecycleError(e) ? e.code : e;
    }
  };
  expect(code(() => createPostgresReplayCache(db, { schema: 'x"; DROP TABLE y; --' }))).toBe('invalid_argument');
  expect(code(() => createPostgresReplayCache(db, { tablePrefix: 'Bad-' }))).toBe('invalid_argument');
  expect(code(() => createPostgresReplayCache(db, { pruneEvery: -1 }))).toBe('invalid_argument');
  expect(code(() => createPostgresReplayCache({}))).toBe('invalid_argument');
  for (const [key, ttl] of [['', 1], [5, 1], ['k', -1], ['k', Number.NaN]] as const) {
    const error = await cache.seen(key as string, ttl).then(() => undefined, (e: unknown) => e);
    expect(isLifecycleError(error) && error.code).toBe('invalid_argument');
  }
});
