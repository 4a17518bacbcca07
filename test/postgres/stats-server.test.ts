/**
 * store.stats and `report --database-url` on a real PostgreSQL server (a
 * throwaway cluster from scripts/postgres-server.ts, as server.test.ts
 * uses): the same figures as the log itself.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startPostgres, type PostgresServer } from '../../scripts/postgres-server';
import { runCli } from '../../scripts/docs';
import { createPostgresStore, type PostgresStore } from '../../src/postgres';
import { buildReport, type DeliveryReport } from '../../src/report';
import { messyLog } from '../support/report-oracle';
import { applyLog, wellFormed } from '../support/report-store';

let server: PostgresServer;
let client: Client;
let store: PostgresStore;
const schema = `stats_${process.pid}_${Date.now() % 100000}`;

beforeAll(async () => {
  server = await startPostgres();
  client = new Client({ connectionString: server.url });
  await client.connect();
  store = createPostgresStore(client, { schema, now: () => 1_764_000_000_000 });
  await store.migrate();
}, 120_000);

afterAll(async () => {
  if (client !== undefined) {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await client.end();
  }
  await server?.stop();
}, 60_000);

test('a log applied to a real server: stats and report --database-url give the log figures', async () => {
  const lines = messyLog(31, 300);
  await applyLog(store, '', wellFormed(lines));
  const fromLog = await buildReport(lines);
  expect((await store.stats()).channels).toEqual(fromLog.channels);
  const json = await runCli(['report', '--database-url', server.url, '--schema', schema, '--json']);
  expect(json.code).toBe(0);
  expect((JSON.parse(json.stdout) as DeliveryReport).channels).toEqual(fromLog.channels);
  const out = join(mkdtempSync(join(tmpdir(), 'delivery-report-store-')), 'store.html');
  const page = await runCli(['report', '--database-url', server.url, '--schema', schema, '--out', out]);
  expect(page.code).toBe(0);
  expect(readFileSync(out, 'utf8')).toContain('The store keeps no rejected or malformed reports');
  const email = await runCli(['report', '--database-url', server.url, '--schema', schema, '--channel', 'email', '--json']);
  expect((JSON.parse(email.stdout) as DeliveryReport).channels.map((c) => c.channel)).toEqual(['email']);
}, 120_000);

test('report --database-url: an unreachable store exits 1 without the password; bad options exit 2', async () => {
  const down = await runCli(['report', '--database-url', 'postgres://user:s3cret-pw@127.0.0.1:1/db', '--json']);
  expect(down.code).toBe(1);
  expect(down.stderr).toMatch(/cannot read the store/);
  expect(down.stderr + down.stdout).not.toContain('s3cret-pw');
  const fax = await runCli(['report', '--database-url', server.url, '--schema', schema, '--channel', 'fax']);
  expect(fax.code).toBe(2);
  const since = await runCli(['report', '--database-url', server.url, '--schema', schema, '--since', 'yesterday']);
  expect(since.code).toBe(2);
}, 60_000);
