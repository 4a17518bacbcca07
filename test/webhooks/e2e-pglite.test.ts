/**
 * End to end over PGlite: a real node:http server on loopback, the four
 * providers' handlers over one PGlite store that sometimes fails, signed
 * callbacks in shuffled order with duplicates, forged callbacks among them.
 */
import { PGlite } from '@electric-sql/pglite';
import { createPostgresStore, type PostgresStore } from '../../src/postgres';
import { answerProblems, storeProblems } from '../support/webhook-e2e';
import { callbacks, flaky, forgeries, listener, plan, postAll, secrets, startServer } from '../support/webhook-scenario';
import { rng, shuffle } from '../support/postgres';

let db: PGlite;
let store: PostgresStore;

beforeAll(async () => {
  db = new PGlite();
  store = createPostgresStore(db);
  await store.migrate();
}, 60_000);

afterAll(async () => {
  await db.close();
});

test('120 messages over HTTP: every genuine callback counted once, forged ones refused, 503s retried', async () => {
  const s = secrets();
  const planned = plan('lite', 120, 20261201);
  const failing = flaky(store, 7);
  const server = await startServer(listener(failing, s));
  try {
    const outgoing = shuffle([...callbacks(planned, s, 11), ...forgeries(planned, s)], rng(3));
    const outcomes = await postAll([server.url], outgoing, 8);
    expect(answerProblems(outcomes)).toEqual([]);
    expect(outcomes.filter((o) => o.outgoing.kind === 'forged').length).toBeGreaterThan(100);
    // The store failed both ways, so the retry paths were taken.
    expect(failing.before).toBeGreaterThan(0);
    expect(failing.after).toBeGreaterThan(0);
    expect(await storeProblems(store, planned)).toEqual([]);
  } finally {
    await server.close();
  }
}, 120_000);
