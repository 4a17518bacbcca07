/**
 * Hostile input: random bytes, methods, content types and headers, truncated
 * and mutated genuine callbacks, and raw HTTP over a socket (huge headers,
 * bodies cut short). Every answer is a 4xx; never a 5xx, never a crash, and
 * nothing reaches the store.
 */
import fc from 'fast-check';
import { connect } from 'node:net';
import type { ApplyResult } from '../../src';
import { createWebhookHandler, toNodeListener, type WebhookHandler, type WebhookProvider, type WebhookRequest, type WebhookStore } from '../../src/webhooks';
import { startServer } from '../support/webhook-scenario';
import { sendGridKeys, signMailgun, signSendGrid, signSns, signTwilio, signVonageSms, snsSigner, withBasicAuth } from '../support/webhooks';

const applied: unknown[] = [];
const store: WebhookStore = {
  async apply(messageId, channel, event) {
    applied.push({ messageId, channel, event });
    return { outcome: 'applied', status: event.status, from: 'SUBMITTED', implied: [] } as unknown as ApplyResult;
  },
  async applyMany(items) {
    applied.push(...items);
    return items.map((i) => ({ outcome: 'applied', status: i.event.status, from: 'SUBMITTED', implied: [] }) as unknown as ApplyResult);
  },
};

const outbound: string[] = [];
const keys = sendGridKeys();
const sns = snsSigner();
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:t';

const HANDLERS: Record<WebhookProvider, WebhookHandler> = {
  twilio: createWebhookHandler({ provider: 'twilio', verify: { authToken: 'tw-token' }, store, maxBodyBytes: 4096 }),
  sendgrid: createWebhookHandler({ provider: 'sendgrid', verify: { publicKey: keys.publicKeyBase64 }, store, maxBodyBytes: 4096 }),
  mailgun: createWebhookHandler({ provider: 'mailgun', verify: { signingKey: 'mg-key' }, store, maxBodyBytes: 4096 }),
  postmark: createWebhookHandler({ provider: 'postmark', verify: { username: 'u', password: 'p' }, store, maxBodyBytes: 4096 }),
  ses: createWebhookHandler({
    provider: 'ses',
    verify: {
      topicArns: [TOPIC],
      fetchCertificate: async (url) => (outbound.push(url), sns.certificatePem),
      confirmSubscription: async (url) => void outbound.push(url),
    },
    store,
    maxBodyBytes: 4096,
  }),
  'aws-sms': createWebhookHandler({ provider: 'aws-sms', verify: { topicArns: [TOPIC], fetchCertificate: async () => sns.certificatePem }, store, maxBodyBytes: 4096 }),
  vonage: createWebhookHandler({ provider: 'vonage', verify: { signatureSecret: 'vn-secret' }, store, maxBodyBytes: 4096 }),
  infobip: createWebhookHandler({ provider: 'infobip', verify: { username: 'u', password: 'p' }, store, maxBodyBytes: 4096 }),
};
const PROVIDERS = Object.keys(HANDLERS) as WebhookProvider[];

const methodArb = fc.constantFrom('POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'post');
const contentTypeArb = fc.oneof(
  fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain; charset=UTF-8', 'multipart/form-data; boundary=x', 'application/xml', ''),
  fc.string({ maxLength: 60 }).filter((s) => /^[\t\x20-\x7e]*$/.test(s)),
);
const headerValueArb = fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom('Basic dTpw', 'Basic ' + 'A'.repeat(3000), 'Bearer a.b.c', '\u00ff\u00fe')).filter((s) => /^[\t\x20-\x7e\x80-\xff]*$/.test(s) && s.trim() === s);
const headersArb = fc.dictionary(
  fc.constantFrom('authorization', 'x-twilio-signature', 'x-twilio-email-event-webhook-signature', 'x-twilio-email-event-webhook-timestamp', 'x-amz-sns-message-type', 'x-twilio-webhooks-signature-settings', 'x-custom', 'content-length-ish'),
  headerValueArb,
  { maxKeys: 5 },
);
const bodyArb = fc.oneof(
  fc.uint8Array({ maxLength: 600 }),
  fc.json({ maxDepth: 3 }).map((j) => new TextEncoder().encode(j)),
  fc.constantFrom('[]', '{}', '{"results":[]}', '__proto__=1&constructor=2', '{"Type":"SubscriptionConfirmation","SubscribeURL":"https://evil.example/x"}', '{"signature":{}}').map((t) => new TextEncoder().encode(t)),
  fc.uint8Array({ minLength: 4097, maxLength: 6000 }),
);

function toRequest(method: string, headers: Record<string, string>, contentType: string, body: Uint8Array): Request {
  const h = new Headers();
  for (const [k, v] of Object.entries(headers)) h.set(k, v);
  if (contentType !== '') h.set('content-type', contentType);
  const bodyless = method.toUpperCase() === 'GET' || method.toUpperCase() === 'HEAD';
  return new Request('https://hooks.example.com/x?y=1', { method, headers: h, body: bodyless ? undefined : body });
}

beforeEach(() => {
  applied.length = 0;
});

test('random requests to every provider get a 4xx and apply nothing', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...PROVIDERS), methodArb, contentTypeArb, headersArb, bodyArb, async (provider, method, type, headers, body) => {
      const response = await HANDLERS[provider](toRequest(method, headers, type, body));
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      const json = (await response.json()) as { ok: boolean; error: string };
      expect(json.ok).toBe(false);
      expect(applied).toEqual([]);
    }),
    { numRuns: 600 },
  );
  // No certificate or subscription URL off Amazon SNS's hosts was ever fetched.
  expect(outbound.every((u) => /^https:\/\/sns\.[a-z0-9-]+\.amazonaws\.com\//.test(u))).toBe(true);
});

/** A genuine callback per provider, for mutation. */
function genuine(): { provider: WebhookProvider; request: WebhookRequest }[] {
  const now = Math.floor(Date.now() / 1000);
  const twilio = signTwilio({ authToken: 'tw-token', url: 'https://hooks.example.com/x', params: { MessageSid: 'SM1', MessageStatus: 'delivered' } });
  const sendgrid = signSendGrid({ privateKey: keys.privateKey, body: JSON.stringify([{ event: 'delivered', sg_message_id: 'g', sg_event_id: 'e' }]), timestampSeconds: now });
  const mailgun = signMailgun({ signingKey: 'mg-key', timestampSeconds: now, token: `tok-${Math.random()}`, eventData: { event: 'delivered', message: { headers: { 'message-id': 'm' } } } });
  const ses = signSns({ message: JSON.stringify({ eventType: 'Delivery', mail: { messageId: 's' } }), topicArn: TOPIC, timestamp: new Date().toISOString(), messageId: `n-${Math.random()}` }, sns);
  const vonage = signVonageSms({ secret: 'vn-secret', params: { messageId: 'v', status: 'delivered', timestamp: String(now), nonce: String(Math.random()) }, as: 'json' });
  const postmark = withBasicAuth('u', 'p', JSON.stringify({ RecordType: 'Delivery', MessageID: 'p' }));
  const infobip = withBasicAuth('u', 'p', JSON.stringify({ results: [{ messageId: 'i', status: { groupName: 'DELIVERED', name: 'DELIVERED_TO_HANDSET' } }] }));
  return [
    { provider: 'twilio', request: twilio },
    { provider: 'sendgrid', request: sendgrid },
    { provider: 'mailgun', request: mailgun },
    { provider: 'ses', request: ses },
    { provider: 'vonage', request: vonage },
    { provider: 'postmark', request: postmark },
    { provider: 'infobip', request: infobip },
  ];
}

test('genuine callbacks cut short or with a changed byte get a 4xx and apply nothing', async () => {
  const callbacks = genuine();
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...callbacks),
      fc.oneof(fc.record({ cut: fc.nat() }), fc.record({ flip: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) })),
      async ({ provider, request }, change) => {
        const body = new Uint8Array(request.body);
        let mutated: Uint8Array;
        if ('cut' in change) mutated = body.slice(0, change.cut % body.length);
        else {
          mutated = body;
          mutated[change.flip % body.length] ^= 1 << change.bit;
        }
        const init = new Request(request.url, { method: 'POST', headers: request.headers as Record<string, string>, body: mutated });
        const response = await HANDLERS[provider](init);
        // Where the scheme does not sign the body (Basic credentials; Mailgun signs only timestamp and
        // token, and its token is then used up) a flipped bit inside a JSON string can still be well
        // formed: a 200. Every signed body changed is a 4xx; nothing is ever a 5xx.
        expect(response.status).toBeLessThan(500);
        if (response.status === 200 && provider === 'ses') expect(snsSignedFieldsUnchanged(request.body, mutated)).toBe(true);
        // Vonage's sig is hex: a letter's case is not part of it.
        else if (response.status === 200 && provider === 'vonage') expect(sameButSigCase(request.body, mutated)).toBe(true);
        else if (response.status === 200) expect(['postmark', 'infobip', 'mailgun']).toContain(provider);
        else expect(response.status).toBeGreaterThanOrEqual(400);
      },
    ),
    { numRuns: 400 },
  );
});

/** SNS signs some fields only (not UnsubscribeURL, not SigningCertURL): true when those it signs are unchanged. */
function snsSignedFieldsUnchanged(before: Uint8Array, after: Uint8Array): boolean {
  const read = (b: Uint8Array): Record<string, unknown> | undefined => {
    try {
      return JSON.parse(new TextDecoder().decode(b)) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
  const a = read(before);
  const b = read(after);
  if (a === undefined || b === undefined) return false;
  return ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type', 'Signature', 'SignatureVersion'].every((k) => a[k] === b[k]);
}

/** The same JSON parameters, the hex `sig` compared without letter case. */
function sameButSigCase(before: Uint8Array, after: Uint8Array): boolean {
  try {
    const [a, b] = [before, after].map((x) => JSON.parse(new TextDecoder().decode(x)) as Record<string, string>);
    return JSON.stringify({ ...a, sig: a.sig.toLowerCase() }) === JSON.stringify({ ...b, sig: String(b.sig).toLowerCase() });
  } catch {
    return false;
  }
}

/** Writes raw bytes to the server and returns the status line it answers (or '' when it closes without one). */
function raw(port: number, bytes: Buffer | string, endAfterMs = 0): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const timer = { id: undefined as NodeJS.Timeout | undefined };
    const done = () => {
      clearTimeout(timer.id);
      socket.destroy();
      resolve(answer.split('\r\n', 1)[0]);
    };
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n\r\n')) done();
    });
    socket.on('error', done);
    socket.on('close', done);
    socket.write(bytes, () => {
      if (endAfterMs > 0) setTimeout(() => socket.end(), endAfterMs);
    });
    timer.id = setTimeout(done, 3000);
  });
}

test('raw HTTP: huge headers, bodies cut short, garbage and wrong methods get a 4xx or a closed socket; the server keeps serving', async () => {
  const errors: unknown[] = [];
  const onError = (e: unknown) => errors.push(e);
  process.on('unhandledRejection', onError);
  process.on('uncaughtException', onError);
  const server = await startServer(toNodeListener(HANDLERS.sendgrid));
  const port = Number(new URL(server.url).port);
  try {
    const statuses = await Promise.all([
      raw(port, `POST /x HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`),
      raw(port, `POST /x HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[{"event"`, 50),
      raw(port, `POST /x HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 99999999\r\n\r\n[`),
      raw(port, `POST /x HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n${'x'.repeat(4096)}\r\n1000\r\n${'x'.repeat(4096)}\r\n`),
      raw(port, `DELETE /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n`),
      raw(port, `GET /x HTTP/1.1\r\nHost: a\r\n\r\n`),
      raw(port, `POST /x HTTP/1.1\r\nHost: ${'h'.repeat(300)}\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\n{}`),
      raw(port, `POST /x HTTP/1.1\r\nHost: [::1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]`),
      raw(port, Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 7919) % 256))),
      raw(port, `BREW /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n`),
      raw(port, `POST http://other.example/x HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]`),
      raw(port, `POST /x HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n[1,2]`),
    ]);
    for (const line of statuses) {
      if (line !== '') expect(line).toMatch(/^HTTP\/1\.[01] 4\d\d /);
    }
    // The declared-too-large body is refused before it is read; the chunked one as soon as it passes the limit.
    expect(statuses[2]).toMatch(/ 413 /);
    expect(statuses[3]).toMatch(/ 413 /);
    expect(statuses[0]).toMatch(/ 431 /);
    expect(statuses[4]).toMatch(/ 405 /);
    expect(statuses[6]).toMatch(/ 415 /);
    // Still serving: a well-formed but unsigned request gets its 401.
    const after = await fetch(`${server.url}/x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[]' });
    expect(after.status).toBe(401);
    expect(errors).toEqual([]);
    expect(applied).toEqual([]);
  } finally {
    process.off('unhandledRejection', onError);
    process.off('uncaughtException', onError);
    await server.close();
  }
}, 30_000);
