/**
 * End to end over PGlite: a real node:http server on loopback, the four
 * providers' handlers over one PGlite store that sometimes fails, signed
 * callbacks in shuffled order with duplicates, forged callbacks among them.
 */
import { PGlite } from '@electric-sql/pglite';
import { createPostgresStore, type PostgresStore } from '../../src/postgres';
import { createWebhookHandler } from '../../src/webhooks';
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

test('with a store: side events are kept once per event id, and a channel mismatch spoils only its own entry', async () => {
  const handler = createWebhookHandler({ provider: 'sendgrid', verify: false, store });
  await store.apply('side-sms', 'sms', 'SUBMITTED');
  const batch = JSON.stringify([
    { event: 'delivered', sg_message_id: 'side-a', sg_event_id: 'e1', timestamp: 1700000000 },
    { event: 'spamreport', sg_message_id: 'side-b', sg_event_id: 'e2', timestamp: 1700000001 },
    { event: 'delivered', sg_message_id: 'side-sms', sg_event_id: 'e3', timestamp: 1700000002 },
  ]);
  const send = () => handler(new Request('https://hooks.example.com/sendgrid', { method: 'POST', headers: { 'content-type': 'application/json' }, body: batch }));
  const first = await send();
  expect(first.status).toBe(200);
  const results = ((await first.json()) as { results: { outcome: string; code?: string }[] }).results;
  expect(results.map((r) => [r.outcome, r.code])).toEqual([
    ['applied', undefined],
    ['side_event', undefined],
    ['rejected', 'channel_mismatch'],
  ]);
  // The provider retries the same request: nothing is counted twice.
  expect((await send()).status).toBe(200);
  const kept = await store.sideEvents('side-b');
  expect(kept).toHaveLength(1);
  expect(kept[0]).toMatchObject({ provider: 'sendgrid', kind: 'side_event' });
  expect((await store.get('side-a'))?.status).toBe('DELIVERED');
  expect((await store.get('side-sms'))?.status).toBe('SUBMITTED');
});

test('a single callback for a message stored under another channel is answered channel_mismatch, not as malformed', async () => {
  const handler = createWebhookHandler({ provider: 'sendgrid', verify: false, store });
  await store.apply('single-sms', 'sms', 'SUBMITTED');
  const body = JSON.stringify([{ event: 'delivered', sg_message_id: 'single-sms', sg_event_id: 's1', timestamp: 1700000003 }]);
  const answer = await handler(new Request('https://hooks.example.com/sendgrid', { method: 'POST', headers: { 'content-type': 'application/json' }, body }));
  expect(answer.status).toBe(200);
  const results = ((await answer.json()) as { results: { outcome: string; code?: string }[] }).results;
  expect(results.map((r) => [r.outcome, r.code])).toEqual([['rejected', 'channel_mismatch']]);
  expect((await store.get('single-sms'))?.status).toBe('SUBMITTED');
});
