/**
 * `report --database-url` and `expire` on every engine: the same events
 * loaded into a real PostgreSQL server (scripts/postgres-server.ts), a real
 * Redis Cluster (scripts/redis-cluster.ts) and a single password-protected
 * redis-server give the same CLI output, and that output is the log's own
 * report (buildReport, an independent fold). The built bin is run too: it
 * exits on its own after a successful run on each engine.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis, { Cluster } from 'ioredis';
import { Client } from 'pg';
import { startPostgres, type PostgresServer } from '../scripts/postgres-server';
import { startRedisCluster, type RedisCluster } from '../scripts/redis-cluster';
import { runCli } from '../scripts/docs';
import { createPostgresStore, type PostgresStore } from '../src/postgres';
import { createRedisStore } from '../src/redis';
import { buildReport, type DeliveryReport } from '../src/report';
import type { DeliveryStore } from '../src/store';
import { messyLog } from './support/report-oracle';
import { applyLog, wellFormed } from './support/report-store';
import { startRedisServer, type RedisServer } from './support/redis-server';

jest.setTimeout(120_000);

const ROOT = join(__dirname, '..');
const BIN = join(ROOT, 'dist', 'cli.js');
const PASSWORD = 's3cret-pw';
const T0 = 1_764_000_000_000;
const schema = `cli_${process.pid}_${Date.now() % 100000}`;
const expirySchema = `${schema}_exp`;

let postgres: PostgresServer;
let pg: Client;
let cluster: RedisCluster;
let clusterClient: Cluster;
let single: RedisServer;
let singleClient: Redis;

/** One engine as the CLI sees it: its URL and the options naming the report's and the expiry's stores. */
interface Engine {
  readonly name: string;
  readonly url: () => string;
  readonly report: string[];
  readonly expiry: string[];
}

const ENGINES: Engine[] = [
  { name: 'PostgreSQL', url: () => postgres.url, report: ['--schema', schema], expiry: ['--schema', expirySchema] },
  {
    name: 'Redis Cluster',
    url: () => `redis+cluster://${cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`,
    report: ['--key-prefix', 'rep:', '--buckets', '64'],
    expiry: ['--key-prefix', 'exp:'],
  },
  { name: 'Redis', url: () => `redis://:${PASSWORD}@127.0.0.1:${single.port}/2`, report: ['--key-prefix', 'rep:', '--buckets', '64'], expiry: ['--key-prefix', 'exp:'] },
];

/** The stores the test writes through, per engine, in the order of {@link ENGINES}. */
function stores(kind: 'report' | 'expiry', now: () => number): DeliveryStore[] {
  const pgStore = createPostgresStore(pg, { schema: kind === 'report' ? schema : expirySchema, now });
  const options = kind === 'report' ? { prefix: 'rep:', buckets: 64, now } : { prefix: 'exp:', now };
  return [pgStore, createRedisStore(clusterClient, options), createRedisStore(singleClient, options)];
}

const lines = messyLog(47, 250);

beforeAll(async () => {
  [postgres, cluster, single] = await Promise.all([startPostgres(), startRedisCluster(), startRedisServer({ password: PASSWORD })]);
  pg = new Client({ connectionString: postgres.url });
  await pg.connect();
  clusterClient = new Cluster(cluster.nodes.map(({ host, port }) => ({ host, port })));
  singleClient = new Redis({ host: '127.0.0.1', port: single.port, password: PASSWORD, db: 2 });
  const reportStores = stores('report', () => T0);
  for (const store of [reportStores[0], ...stores('expiry', Date.now).slice(0, 1)]) await (store as PostgresStore).migrate();
  for (const store of reportStores) await applyLog(store as PostgresStore, '', wellFormed(lines));
}, 300_000);

afterAll(async () => {
  if (pg !== undefined) {
    for (const s of [schema, expirySchema]) await pg.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`).catch(() => undefined);
    await pg.end();
  }
  await clusterClient?.quit();
  await singleClient?.quit();
  await Promise.all([postgres?.stop(), cluster?.stop(), single?.stop()]);
}, 60_000);

/** Runs the same command on every engine; the outputs in the order of {@link ENGINES}. */
async function onEvery(args: string[], kind: 'report' | 'expiry'): Promise<{ code: number; stdout: string; stderr: string }[]> {
  const results = [];
  for (const engine of ENGINES) results.push(await runCli([...args, '--database-url', engine.url(), ...engine[kind]]));
  return results;
}

test('report --json: the same output on PostgreSQL, Redis Cluster and Redis, and it is the log’s own report', async () => {
  const results = await onEvery(['report', '--json'], 'report');
  for (const result of results) expect(result).toEqual(results[0]);
  expect(results[0].code).toBe(0);
  const fromLog = await buildReport(lines);
  const report = JSON.parse(results[0].stdout) as DeliveryReport;
  expect(report.channels).toEqual(fromLog.channels);
  expect(report.messages).toBeGreaterThan(200);
});

test('report --channel, --since and --until select the same messages on every engine', async () => {
  const started = (text: string) => (JSON.parse(text) as DeliveryReport).channels.reduce((sum, c) => sum + c.started, 0);
  const [all] = await onEvery(['report', '--json'], 'report');
  // The Redis store records a message's first write with its clock (T0 here), the PostgreSQL store with the
  // database's now() (the wall clock): windows that hold both instants, or neither, select the same messages.
  const later = Date.now() + 3_600_000;
  const windows: [string[], (n: number) => boolean][] = [
    [['--channel', 'email'], (n) => n > 0 && n < started(all.stdout)],
    [['--since', String(T0), '--until', new Date(later).toISOString()], (n) => n === started(all.stdout)],
    [['--since', String(later)], (n) => n === 0],
    [['--until', new Date(T0).toISOString()], (n) => n === 0],
  ];
  for (const [args, expected] of windows) {
    const results = await onEvery(['report', '--json', ...args], 'report');
    for (const result of results) expect(result).toEqual(results[0]);
    expect(results[0].code).toBe(0);
    expect({ args, started: started(results[0].stdout), ok: expected(started(results[0].stdout)) }).toMatchObject({ ok: true });
  }
  const [email] = await onEvery(['report', '--json', '--channel', 'email'], 'report');
  expect((JSON.parse(email.stdout) as DeliveryReport).channels.map((c) => c.channel)).toEqual(['email']);
});

test('report --out: the same page on every engine but for the line naming the store, which holds no credentials', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'delivery-cli-engines-'));
  const pages: string[] = [];
  for (const [i, engine] of ENGINES.entries()) {
    const out = join(dir, `${i}.html`);
    const result = await runCli(['report', '--database-url', engine.url(), ...engine.report, '--out', out]);
    expect(result).toEqual({ code: 0, stdout: '', stderr: '' });
    pages.push(readFileSync(out, 'utf8'));
  }
  const pgWhere = new URL(postgres.url);
  const labels = [
    `the PostgreSQL store at ${pgWhere.host}${pgWhere.pathname}`,
    `the Redis Cluster store at ${cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`,
    `the Redis store at 127.0.0.1:${single.port}/2`,
  ];
  pages.forEach((page, i) => expect(page).toContain(labels[i]));
  const neutral = pages.map((page, i) => page.split(labels[i]).join('<store>'));
  for (const page of neutral) expect(page).toBe(neutral[0]);
  expect(pages[2]).not.toContain(PASSWORD);
  if (pgWhere.password !== '') expect(pages[0]).not.toContain(pgWhere.password);
});

test('expire: the same messages move on every engine, earliest deadline first with --limit', async () => {
  const now = Date.now();
  const HOUR = 3_600_000;
  for (const store of stores('expiry', Date.now)) {
    // Due 3 h, 2 h and 1 h ago (validity 1 h), and one not due yet.
    for (const [id, ago] of [['b', 3], ['c', 2], ['a', 4]] as const) await store.apply(id, 'sms', { status: 'SUBMITTED', id: `s-${id}`, at: now - ago * HOUR }, { validityMs: HOUR });
    await store.apply('fresh', 'sms', { status: 'SUBMITTED', id: 's-fresh', at: now }, { validityMs: HOUR });
  }
  const first = await onEvery(['expire', '--limit', '1', '--json'], 'expiry');
  for (const result of first) expect(result).toEqual({ code: 0, stdout: '{"count":1,"messageIds":["a"]}\n', stderr: '' });
  const rest = await onEvery(['expire'], 'expiry');
  for (const result of rest) expect(result).toEqual({ code: 0, stdout: 'expired 2 messages\n', stderr: '' });
  const again = await onEvery(['expire', '--json'], 'expiry');
  for (const result of again) expect(result).toEqual({ code: 0, stdout: '{"count":0,"messageIds":[]}\n', stderr: '' });
  for (const store of stores('expiry', Date.now)) {
    for (const id of ['a', 'b', 'c']) expect((await store.get(id))?.status).toBe('EXPIRED');
    expect((await store.get('fresh'))?.status).toBe('SUBMITTED');
  }
});

test('the built bin exits on its own after a successful run on each engine', () => {
  for (const engine of ENGINES) {
    for (const args of [['expire', '--json', ...engine.expiry], ['report', '--json', '--channel', 'sms', ...engine.report]]) {
      const child = spawnSync(process.execPath, [BIN, ...args, '--database-url', engine.url()], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
      expect({ engine: engine.name, signal: child.signal, status: child.status, stderr: child.stderr }).toEqual({ engine: engine.name, signal: null, status: 0, stderr: '' });
    }
  }
});

test('a wrong Redis password: exit 1 with the server’s reason, and neither password printed', async () => {
  const url = `redis://:not-${PASSWORD}@127.0.0.1:${single.port}`;
  const expire = await runCli(['expire', '--database-url', url]);
  expect(expire.code).toBe(1);
  expect(expire.stderr).toMatch(/^error: expiry failed: .*WRONGPASS/);
  const report = await runCli(['report', '--database-url', url, '--json']);
  expect(report.code).toBe(1);
  expect(report.stderr).toMatch(/^error: cannot read the store: .*WRONGPASS/);
  for (const text of [expire.stderr, expire.stdout, report.stderr, report.stdout]) expect(text).not.toContain(PASSWORD);
});
