/** What only the Redis store promises (the shared promises are in conformance.ts): keys, scripts, archive, WAIT, a single Redis. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis, { Cluster } from 'ioredis';
import { isLifecycleError } from '../../src';
import { MAX_SIDE_EVENTS, createRedisStore, type ArchivedRecord } from '../../src/redis';
import { startRedisCluster, type RedisCluster } from '../../scripts/redis-cluster';
import { checkMessage } from '../support/postgres';

jest.setTimeout(30_000); // a loaded machine (the whole suite in parallel) makes round trips slow

const T0 = 1_700_000_000_000;
const DAY = 86_400_000;
const code = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    return isLifecycleError(error) ? error.code : error;
  }
  return undefined;
};
let cluster: RedisCluster;
let client: Cluster;

beforeAll(async () => {
  cluster = await startRedisCluster();
  client = new Cluster(cluster.nodes.map(({ host, port }) => ({ host, port })));
}, 120_000);

afterAll(async () => {
  await client?.quit();
  await cluster?.stop();
}, 60_000);

test('every key of a message hashes to one slot, the slot of its bucket’s sorted sets', async () => {
  const store = createRedisStore(client, { prefix: 'slots:', buckets: 64, now: () => T0 });
  for (let i = 0; i < 50; i++) {
    await store.apply(`m{${i}}x`, 'sms', { status: 'SUBMITTED', id: `s${i}` });
    await store.recordSideEvent(`m{${i}}x`, { id: `c${i}` });
  }
  const keys = (await Promise.all(client.nodes('master').map((n) => n.keys('slots:*')))).flat();
  // a message hash and a side-event hash per message, and the buckets' sorted sets
  expect(keys.filter((k) => /}m:/.test(k)).length).toBe(50);
  expect(keys.filter((k) => /}x:/.test(k)).length).toBe(50);
  const byTag = new Map<string, Set<number>>();
  for (const key of keys) {
    const tag = key.slice(0, key.indexOf('}') + 1);
    const slot = Number(await client.cluster('KEYSLOT', key));
    byTag.set(tag, (byTag.get(tag) ?? new Set()).add(slot));
  }
  expect(keys.length).toBeGreaterThan(100);
  for (const slots of byTag.values()) expect(slots.size).toBe(1);
});

test('a state field the store did not write is left as it is, and every call that meets it says so', async () => {
  const store = createRedisStore(client, { prefix: 'corrupt:', buckets: 1, now: () => T0 });
  await store.apply('bad', 'sms', { status: 'SUBMITTED', id: 's1' });
  await store.apply('good', 'sms', { status: 'SUBMITTED', id: 's2' });
  // another release's layout, or a hand edit: only the channel and too few fields
  for (const garbage of ['sms', '1 2 3', '']) {
    await client.hset('corrupt:{0}m:bad', 'st', garbage);
    const hash = await client.hgetall('corrupt:{0}m:bad');
    const rejected = async (call: Promise<unknown>) => {
      const error = await call.then(() => undefined, (e: unknown) => e);
      expect(isLifecycleError(error) && error.code).toBe('invalid_snapshot');
      expect(String((error as Error).message)).toContain('message bad ');
    };
    await rejected(store.apply('bad', 'sms', { status: 'DELIVERED', id: 'd1' }));
    await rejected(store.register('bad', 'sms'));
    await rejected(store.get('bad'));
    await rejected(store.history('bad'));
    // in a batch the other reports are applied; the message is not touched
    await rejected(store.applyMany([
      { messageId: 'good', channel: 'sms', event: { status: 'DELIVERED', id: `d-${garbage}` } },
      { messageId: 'bad', channel: 'sms', event: { status: 'DELIVERED', id: 'd2' } },
    ]));
    expect(await client.hgetall('corrupt:{0}m:bad')).toEqual({ ...hash, st: garbage });
  }
  expect((await store.get('good'))?.status).toBe('DELIVERED');
});

test('a history row or event-id field the store did not write makes get and history say so, not guess', async () => {
  const store = createRedisStore(client, { prefix: 'rows:', buckets: 1, now: () => T0 });
  await store.apply('m', 'email', { status: 'OPEN', id: 'o1', detail: 'first open' });
  const good = await store.history('m');
  expect(good.map((h) => [h.status, h.implied, h.id, h.detail])).toEqual([
    ['DELIVERED', true, undefined, undefined],
    ['OPEN', false, 'o1', 'first open'],
  ]);
  // a row in another format, a row past the version, an event id naming no row, a row missing (value null: deleted)
  const edits: [string, string | null][] = [
    ['2', 'OPEN'], ['2', '1 2 3 4 x'], ['2', '1 2 3 4 {"d":1}'], ['#o1', '2'], ['#"o1', '2'], ['#1', '2'],
    ['3', '2 3 100 '], ['#"o2"', '3'], ['#"o2"', '0'], ['1', null],
  ];
  for (const [field, value] of edits) {
    const hash = await client.hgetall('rows:{0}m:m');
    if (value === null) await client.hdel('rows:{0}m:m', field);
    else await client.hset('rows:{0}m:m', field, value);
    for (const read of [store.get('m'), store.history('m')]) {
      const error = await read.then(() => undefined, (e: unknown) => e);
      expect([field, isLifecycleError(error) && error.code]).toEqual([field, 'invalid_snapshot']);
    }
    await client.del('rows:{0}m:m');
    await client.hset('rows:{0}m:m', hash);
  }
  expect(await store.history('m')).toEqual(good);
});

test('after FUNCTION FLUSH on every node (Function not found), apply loads the library again and goes on', async () => {
  const store = createRedisStore(client, { prefix: 'flush:', now: () => T0 });
  await store.apply('a', 'email', 'DELIVERED');
  const libraries = async () => ((await client.nodes('master')[0].call('FUNCTION', 'LIST')) as unknown[][]).map((l) => String(l[1]));
  expect((await libraries()).filter((name) => name.startsWith('dl_'))).not.toEqual([]);
  await Promise.all(client.nodes('master').map((n) => n.call('FUNCTION', 'FLUSH')));
  expect(await libraries()).toEqual([]);
  expect(await store.apply('a', 'email', { status: 'OPEN', id: 'o' })).toMatchObject({ outcome: 'applied', from: 'DELIVERED', status: 'OPEN' });
  expect(await store.expireDue()).toEqual({ count: 0, messageIds: [] });
  expect(await libraries()).toHaveLength(1);
});

test("scripting: 'eval' uses EVALSHA, and after SCRIPT FLUSH on every node (NOSCRIPT) sends the script again", async () => {
  const store = createRedisStore(client, { prefix: 'flush2:', scripting: 'eval', now: () => T0 });
  await Promise.all(client.nodes('master').map((n) => n.call('FUNCTION', 'FLUSH')));
  await store.apply('a', 'email', 'DELIVERED');
  await Promise.all(client.nodes('all').map((n) => n.script('FLUSH')));
  expect(await store.apply('a', 'email', { status: 'OPEN', id: 'o' })).toMatchObject({ outcome: 'applied', from: 'DELIVERED', status: 'OPEN' });
  expect(await store.apply('a', 'email', { status: 'OPEN', id: 'o' })).toMatchObject({ outcome: 'ignored', code: 'duplicate' });
  expect(await store.expireDue()).toEqual({ count: 0, messageIds: [] });
  expect(await checkMessage(store, 'a')).toEqual([]);
  // No library was loaded.
  expect(await client.nodes('master')[0].call('FUNCTION', 'LIST')).toEqual([]);
});

test('by default only final messages leave: a final one is handed over, then removed; a non-final one stays, even with no timer pending; without onArchive nothing leaves', async () => {
  let clock = T0;
  const handed: ArchivedRecord[][] = [];
  const store = createRedisStore(client, { prefix: 'arch:', buckets: 8, now: () => clock, onArchive: (records) => void handed.push(records) });
  await store.apply('done', 'sms', { status: 'DELIVERED', id: 'd', at: T0 });
  await store.apply('pending', 'sms', { status: 'SUBMITTED', id: 's', at: T0 }, { validityMs: 30 * DAY });
  await store.apply('open', 'email', { status: 'OPEN', id: 'o', at: T0 });
  clock = T0 + 7 * DAY - 1;
  expect(await store.archive()).toEqual({ count: 0, messageIds: [] });
  clock = T0 + 7 * DAY;
  const record = { messageId: 'done', message: await store.get('done'), history: await store.history('done'), sideEvents: [] };
  expect(await store.archive()).toEqual({ count: 1, messageIds: ['done'] });
  expect(handed).toEqual([[record]]);
  expect(await store.get('done')).toBeUndefined();
  expect(await store.history('done')).toEqual([]);
  // The SMS waits for its validity (30 days) to fire, then for retainMs; the e-mail left OPEN is never final: it stays.
  clock = T0 + 30 * DAY;
  expect((await store.archive()).messageIds).toEqual([]);
  expect((await store.get('pending'))?.status).toBe('SUBMITTED');
  expect(await store.expireDue()).toEqual({ count: 1, messageIds: ['pending'] });
  clock = T0 + 37 * DAY;
  expect((await store.archive()).messageIds).toEqual(['pending']);
  expect((await store.archive({ now: T0 + 3650 * DAY })).messageIds).toEqual([]);
  expect((await store.get('open'))?.status).toBe('OPEN');
  expect(handed.flat().map((r) => r.message?.status)).toEqual(['DELIVERED', 'EXPIRED']);
  const keep = createRedisStore(client, { prefix: 'keep:', now: () => T0 });
  await keep.apply('k', 'sms', 'DELIVERED');
  expect(await keep.archive({ now: T0 + 365 * DAY })).toEqual({ count: 0, messageIds: [] });
  expect((await keep.get('k'))?.status).toBe('DELIVERED');
});

test('opted in with idleMs, a non-final message with no timer pending leaves that long after its last write; one with a timer pending waits for it', async () => {
  let clock = T0;
  const handed: ArchivedRecord[] = [];
  const store = createRedisStore(client, { prefix: 'idle:', buckets: 8, idleMs: 30 * DAY, now: () => clock, onArchive: (records) => void handed.push(...records) });
  await store.apply('open', 'email', { status: 'OPEN', id: 'o', at: T0 });
  await store.apply('pending', 'sms', { status: 'SUBMITTED', id: 's', at: T0 }, { validityMs: 60 * DAY });
  clock = T0 + 10 * DAY;
  await store.apply('open', 'email', { status: 'CLICKED', id: 'c' });
  expect((await store.archive({ now: T0 + 40 * DAY - 1 })).messageIds).toEqual([]);
  expect((await store.archive({ now: T0 + 40 * DAY })).messageIds).toEqual(['open']);
  expect(handed.map((r) => [r.messageId, r.message?.status, r.history.length])).toEqual([['open', 'CLICKED', 3]]);
  expect((await store.archive({ now: T0 + 59 * DAY })).messageIds).toEqual([]);
  expect((await store.get('pending'))?.status).toBe('SUBMITTED');
  expect(code(() => createRedisStore(client, { idleMs: -5 }))).toBe('invalid_argument');
});

test('side events leave with their message, and those of a message not stored leave retainMs after the last one', async () => {
  let clock = T0;
  const handed: ArchivedRecord[] = [];
  const store = createRedisStore(client, { prefix: 'side:', buckets: 8, now: () => clock, onArchive: (records) => void handed.push(...records) });
  await store.apply('m', 'sms', { status: 'DELIVERED', id: 'd', at: T0 });
  expect(await store.recordSideEvent('m', { id: 'c1', provider: 'postmark', kind: 'side_event', detail: 'SpamComplaint' })).toEqual({ recorded: true });
  expect(await store.recordSideEvent('orphan', { id: 'u1', kind: 'unsubscribe' })).toEqual({ recorded: true });
  clock = T0 + 5 * DAY;
  expect(await store.recordSideEvent('orphan', { id: 'u2' })).toEqual({ recorded: true });
  clock = T0 + 7 * DAY;
  expect((await store.archive()).messageIds).toEqual(['m']);
  expect(handed[0]).toEqual({ messageId: 'm', message: expect.objectContaining({ status: 'DELIVERED' }), history: expect.any(Array), sideEvents: [expect.objectContaining({ id: 'c1', provider: 'postmark', detail: 'SpamComplaint' })] });
  expect(await store.sideEvents('m')).toEqual([]);
  expect((await store.archive({ now: T0 + 12 * DAY - 1 })).messageIds).toEqual([]);
  expect((await store.archive({ now: T0 + 12 * DAY })).messageIds).toEqual(['orphan']);
  expect(handed[1]).toMatchObject({ messageId: 'orphan', message: undefined, history: [] });
  expect(handed[1].sideEvents.map((e) => e.id)).toEqual(['u1', 'u2']);
  expect(await store.sideEvents('orphan')).toEqual([]);
  // Side events first, then reports: the message stays until it is final, whatever the side events' leave time.
  await store.recordSideEvent('early', { id: 'x' });
  await store.apply('early', 'email', { status: 'OPEN', id: 'o' });
  expect((await store.archive({ now: T0 + 100 * DAY })).messageIds).toEqual([]);
  expect((await store.get('early'))?.status).toBe('OPEN');
  expect(await store.sideEvents('early')).toHaveLength(1);
});

test('a message keeps at most MAX_SIDE_EVENTS side events; more are not recorded, and the kept ones stay', async () => {
  const store = createRedisStore(client, { prefix: 'sidemax:', now: () => T0 });
  for (let i = 0; i < MAX_SIDE_EVENTS; i++) expect(await store.recordSideEvent('flood', { id: `e${i}` })).toEqual({ recorded: true });
  expect(await store.recordSideEvent('flood', { id: 'one-more' })).toEqual({ recorded: false });
  const kept = await store.sideEvents('flood');
  expect(kept.map((e) => e.id)).toEqual(Array.from({ length: MAX_SIDE_EVENTS }, (_, i) => `e${i}`));
});

test('a side event recorded while onArchive ran keeps its message in Redis', async () => {
  let clock = T0;
  const store = createRedisStore(client, {
    prefix: 'side2:',
    buckets: 4,
    now: () => clock,
    onArchive: async () => {
      await store.recordSideEvent('late', { id: 'complaint' });
    },
  });
  await store.apply('late', 'sms', { status: 'DELIVERED', id: 'd' });
  clock = T0 + 8 * DAY;
  expect((await store.archive()).messageIds).toEqual([]);
  expect(await store.sideEvents('late')).toHaveLength(1);
  expect((await store.get('late'))?.status).toBe('DELIVERED');
});

test('an onArchive that fails removes nothing; a message written while it ran stays', async () => {
  let clock = T0;
  let fail = true;
  const store = createRedisStore(client, {
    prefix: 'arch2:',
    buckets: 4,
    // idleMs 0: the click written meanwhile leaves the message due to leave, so only its version tells it changed.
    idleMs: 0,
    now: () => clock,
    onArchive: async () => {
      if (fail) throw new Error('archive down');
      // A late click arrives while the records are being written elsewhere.
      await writer.apply('late', 'email', { status: 'CLICKED', id: 'c2' });
    },
  });
  const writer = createRedisStore(client, { prefix: 'arch2:', buckets: 4, idleMs: 0, now: () => clock });
  await store.apply('late', 'email', { status: 'OPEN', id: 'o' });
  await store.apply('gone', 'email', { status: 'DROPPED', id: 'x' });
  clock = T0 + 31 * DAY;
  await expect(store.archive()).rejects.toThrow('archive down');
  expect((await store.get('gone'))?.status).toBe('DROPPED');
  fail = false;
  expect((await store.archive()).messageIds).toEqual(['gone']);
  // The click applied while onArchive ran changed the message: it stays, with its click.
  expect(await store.get('gone')).toBeUndefined();
  expect((await store.get('late'))?.status).toBe('CLICKED');
  expect(await checkMessage(store, 'late')).toEqual([]);
});

test('waitReplicas: 1 answers after a replica acknowledged, with the same decisions', async () => {
  const store = createRedisStore(client, { prefix: 'wait:', waitReplicas: 1, now: () => T0 });
  expect(await store.apply('w', 'email', { status: 'CLICKED', id: 'c' })).toMatchObject({ outcome: 'applied', implied: ['DELIVERED'] });
  expect(await store.register('w2', 'sms')).toEqual({ registered: true });
  expect(await checkMessage(store, 'w')).toEqual([]);
});

test('bad options are refused', () => {
  expect(code(() => createRedisStore({}))).toBe('invalid_argument');
  expect(code(() => createRedisStore(client, { prefix: 'a{b}' }))).toBe('invalid_argument');
  expect(code(() => createRedisStore(client, { buckets: 3 }))).toBe('invalid_argument');
  expect(code(() => createRedisStore(client, { retainMs: -1 }))).toBe('invalid_argument');
  expect(code(() => createRedisStore(client, { onArchive: 'x' as never }))).toBe('invalid_argument');
  expect(code(() => createRedisStore(client, { scripting: 'lua' as never }))).toBe('invalid_argument');
});

test('a single Redis (no cluster) serves the same store', async () => {
  // On a unix socket in a temporary directory: no port to collide with parallel test files.
  const dir = mkdtempSync(join(tmpdir(), 'dl-redis-single-'));
  const socket = join(dir, 'redis.sock');
  const server = spawn('redis-server', ['--port', '0', '--unixsocket', socket, '--dir', dir, '--save', ''], { stdio: 'ignore' });
  let single: Redis | undefined;
  try {
    for (let i = 0; i < 600 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
    single = new Redis({ path: socket });
    const store = createRedisStore(single, { now: () => T0 + 3_600_000 });
    expect(await store.apply('s', 'sms', { status: 'DELIVERED', id: 'd', at: T0 })).toMatchObject({ outcome: 'applied', implied: ['SUBMITTED'] });
    expect(await checkMessage(store, 's')).toEqual([]);
  } finally {
    await single?.quit();
    server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
