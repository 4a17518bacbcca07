/**
 * examples/webhook-server.ts as `npm run example:webhooks` runs it (PGlite
 * embedded): the demo Twilio route takes the signed request it prints, and
 * GET /messages shows the stored status; a provider with secrets gets its
 * route, one without does not.
 */
import { createHmac } from 'node:crypto';
import { startWebhookServer, type WebhookServer } from '../../examples/webhook-server';

let server: WebhookServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

test('with no secrets: Twilio on a demo token; the printed signed request is applied, a forged one is not', async () => {
  server = await startWebhookServer({}, 0);
  expect(server.providers).toEqual(['twilio']);
  const demo = server.demo;
  if (demo === undefined) throw new Error('no demo');
  const forged = await fetch(demo.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'AAAA' }, body: demo.body });
  expect(forged.status).toBe(401);
  expect((await fetch(`${server.url}/messages/SMdemo0001`)).status).toBe(404);
  const posted = await fetch(demo.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': demo.signature }, body: demo.body });
  expect(posted.status).toBe(200);
  const message = (await (await fetch(`${server.url}/messages/SMdemo0001`)).json()) as { status: string; history: { status: string; implied: boolean }[] };
  expect(message.status).toBe('DELIVERED');
  // Twilio's delivered from REGISTERED implies the hand-over to the network.
  expect(message.history.map((h) => [h.status, h.implied])).toEqual([
    ['SUBMITTED', true],
    ['DELIVERED', false],
  ]);
}, 60_000);

test('with secrets: each configured provider is mounted, the others are not', async () => {
  server = await startWebhookServer({ MAILGUN_SIGNING_KEY: 'mg-key', INFOBIP_USERNAME: 'u' }, 0);
  expect(server.providers).toEqual(['mailgun']);
  expect(server.demo).toBeUndefined();
  const now = Math.floor(Date.now() / 1000);
  const signature = createHmac('sha256', 'mg-key').update(`${now}tok-1`).digest('hex');
  const body = JSON.stringify({
    signature: { timestamp: String(now), token: 'tok-1', signature },
    'event-data': { event: 'opened', id: 'ev-1', timestamp: now, message: { headers: { 'message-id': 'mail-1@example.com' } } },
  });
  const posted = await fetch(`${server.url}/webhooks/mailgun`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  expect(posted.status).toBe(200);
  expect((await fetch(`${server.url}/webhooks/infobip`, { method: 'POST', body: '{}' })).status).toBe(404);
  const message = (await (await fetch(`${server.url}/messages/mail-1%40example.com`)).json()) as { status: string };
  expect(message.status).toBe('OPEN');
}, 60_000);
