/**
 * The handler's HTTP answers, one code at a time, over a store double that
 * records what reaches it (the real stores are in e2e.test.ts).
 */
import { isLifecycleError, LifecycleError, type ApplyResult } from '../../src';
import { createWebhookHandler, type ReplayCache, type WebhookRejection, type WebhookRequest, type WebhookStore } from '../../src/webhooks';
import { sendGridKeys, signMailgun, signSendGrid, signSns, signTwilio, signVonageSms, snsSigner, withBasicAuth } from '../support/webhooks';

const FORM = 'application/x-www-form-urlencoded';

type Item = { messageId: string; channel: 'sms' | 'email'; event: { status: string; id?: string; at?: string } };

/** A store double: records calls; `fail` makes the next calls throw like a database that is down. */
function recordingStore() {
  const calls: { kind: 'apply' | 'applyMany'; items: Item[] }[] = [];
  let failing: Error | undefined;
  const result = (item: Item): ApplyResult => ({ outcome: 'applied', status: item.event.status, from: 'SUBMITTED', implied: [] }) as unknown as ApplyResult;
  const store: WebhookStore & { calls: typeof calls; fail(error?: Error): void } = {
    calls,
    fail(error) {
      failing = error;
    },
    async apply(messageId, channel, event) {
      if (failing) throw failing;
      calls.push({ kind: 'apply', items: [{ messageId, channel, event }] });
      return result({ messageId, channel, event });
    },
    async applyMany(items) {
      if (failing) throw failing;
      calls.push({ kind: 'applyMany', items: [...items] });
      return items.map(result);
    },
  };
  return store;
}

function post(body: string | Uint8Array, type: string | null = FORM, headers: Record<string, string> = {}): Request {
  const h: Record<string, string> = { ...headers };
  if (type !== null) h['content-type'] = type;
  return new Request('https://hooks.example.com/twilio', { method: 'POST', headers: h, body });
}

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

function construct(options: unknown): unknown {
  try {
    createWebhookHandler(options as never);
    return 'constructed';
  } catch (error) {
    return isLifecycleError(error) ? error.code : error;
  }
}

describe('construction', () => {
  const store = recordingStore();
  test('refuses a handler without verify: skipping verification must be said explicitly', () => {
    expect(construct({ provider: 'twilio', store })).toBe('invalid_argument');
    expect(construct({ provider: 'twilio', store, verify: false })).toBe('constructed');
  });

  test('refuses an unknown provider, a missing or doubled sink and bad limits', () => {
    expect(construct({ provider: 'twiliox', store, verify: false })).toBe('invalid_argument');
    expect(construct({ provider: '__proto__', store, verify: false })).toBe('invalid_argument');
    expect(construct({ provider: 'twilio', verify: false })).toBe('invalid_argument');
    expect(construct({ provider: 'twilio', verify: false, store, onEvent: () => undefined })).toBe('invalid_argument');
    expect(construct({ provider: 'twilio', verify: false, store: {} })).toBe('invalid_argument');
    expect(construct({ provider: 'twilio', verify: false, store, maxBodyBytes: 0 })).toBe('invalid_argument');
    expect(construct({ provider: 'twilio', verify: false, store, maxBodyBytes: 1.5 })).toBe('invalid_argument');
    expect(construct({ provider: 'twilio', verify: 'yes', store })).toBe('invalid_argument');
    expect(construct(null)).toBe('invalid_argument');
  });
});

describe('HTTP answers (verify: false)', () => {
  test('200 for a well-formed callback, applied once through store.applyMany with an id derived from the request', async () => {
    const store = recordingStore();
    const handler = createWebhookHandler({ provider: 'twilio', verify: false, store });
    const response = await handler(post('MessageSid=SM1&MessageStatus=delivered'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await json(response)).toEqual({ ok: true, results: [{ messageId: 'SM1', outcome: 'applied', status: 'DELIVERED' }] });
    expect(store.calls).toHaveLength(1);
    expect(store.calls[0].kind).toBe('applyMany');
    const [item] = store.calls[0].items;
    expect(item).toMatchObject({ messageId: 'SM1', channel: 'sms', event: { status: 'DELIVERED' } });
    // The same bytes again get the same id (the store then sees a duplicate); other bytes another one.
    await handler(post('MessageSid=SM1&MessageStatus=delivered'));
    await handler(post('MessageSid=SM1&MessageStatus=sent'));
    const ids = store.calls.map((c) => c.items[0].event.id);
    expect(ids[0]).toMatch(/^twilio:/);
    expect(ids[1]).toBe(ids[0]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  test('405 for any method but POST, with Allow, and nothing read or applied', async () => {
    const store = recordingStore();
    const handler = createWebhookHandler({ provider: 'twilio', verify: false, store });
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const init: RequestInit = method === 'GET' ? { method } : { method, body: 'MessageSid=SM1&MessageStatus=delivered', headers: { 'content-type': FORM } };
      const response = await handler(new Request('https://h.example/x', init));
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      expect((await json(response)).error).toBe('method_not_allowed');
    }
    expect(store.calls).toEqual([]);
  });

  test('415 for a content type the provider never sends, or none', async () => {
    const store = recordingStore();
    const twilio = createWebhookHandler({ provider: 'twilio', verify: false, store });
    const sendgrid = createWebhookHandler({ provider: 'sendgrid', verify: false, store });
    for (const type of ['text/plain', 'multipart/form-data; boundary=x', 'application/xml', '', null]) {
      // Bytes, not a string: a string body would get text/plain from Request itself.
      const response = await twilio(post(new TextEncoder().encode('MessageSid=SM1&MessageStatus=delivered'), type));
      expect(response.status).toBe(415);
      expect((await json(response)).error).toBe('unsupported_media_type');
    }
    expect((await sendgrid(post('[]', FORM))).status).toBe(415);
    // Parameters and letter case of the media type do not matter.
    expect((await twilio(post('MessageSid=SM1&MessageStatus=delivered', 'Application/X-WWW-Form-Urlencoded; charset=UTF-8'))).status).toBe(200);
    expect(store.calls).toHaveLength(1);
  });

  test('413 as soon as the body passes maxBodyBytes, declared or streamed, and reading stops', async () => {
    const store = recordingStore();
    const handler = createWebhookHandler({ provider: 'sendgrid', verify: false, store, maxBodyBytes: 1000 });
    const exact = JSON.stringify([{ event: 'delivered', sg_message_id: 'm', pad: 'x'.repeat(1000 - 52) }]);
    expect(Buffer.byteLength(exact)).toBe(1000);
    expect((await handler(post(exact, 'application/json'))).status).toBe(200);
    expect((await handler(post(exact + ' ', 'application/json'))).status).toBe(413);
    // A stream without content-length: the handler pulls at most one chunk past the limit, then cancels.
    let pulled = 0;
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        if (pulled > 100) controller.close();
        else controller.enqueue(new Uint8Array(300).fill(32));
      },
      cancel() {
        cancelled = true;
      },
    });
    const response = await handler(new Request('https://h.example/x', { method: 'POST', headers: { 'content-type': 'application/json' }, body: endless, duplex: 'half' } as RequestInit));
    expect(response.status).toBe(413);
    expect(cancelled).toBe(true);
    expect(pulled).toBeLessThanOrEqual(5);
    expect(store.calls).toHaveLength(1);
  });

  test('400 for a body that is not the provider shape at all; nothing applied', async () => {
    const store = recordingStore();
    const sendgrid = createWebhookHandler({ provider: 'sendgrid', verify: false, store });
    const twilio = createWebhookHandler({ provider: 'twilio', verify: false, store });
    const infobip = createWebhookHandler({ provider: 'infobip', verify: false, store });
    const ses = createWebhookHandler({ provider: 'ses', verify: false, store });
    expect((await sendgrid(post('[{"event":', 'application/json'))).status).toBe(400);
    expect((await sendgrid(post('{"event":"delivered"}', 'application/json'))).status).toBe(400);
    expect((await sendgrid(post(new Uint8Array([0x5b, 0xff, 0xfe, 0x5d]), 'application/json'))).status).toBe(400);
    expect((await twilio(post('Foo=bar'))).status).toBe(400);
    expect((await infobip(post('{"results":{}}', 'application/json'))).status).toBe(400);
    expect((await ses(post('{"Type":"Notification","Message":"not json"}', 'text/plain'))).status).toBe(400);
    expect((await ses(post('{"Type":"Other"}', 'text/plain'))).status).toBe(400);
    expect(store.calls).toEqual([]);
  });

  test('form bodies: __proto__ and constructor keys are data, never a prototype', async () => {
    const store = recordingStore();
    const twilio = createWebhookHandler({ provider: 'twilio', verify: false, store });
    const response = await twilio(post('MessageSid=SM1&MessageStatus=delivered&__proto__[polluted]=yes&constructor[prototype][polluted]=yes&__proto__=x'));
    expect(response.status).toBe(400);
    expect((await json(response)).message).toMatch(/forbidden key/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(store.calls).toEqual([]);
  });

  test('200 for a SendGrid batch with broken entries: one applyMany for the good ones, each entry judged alone', async () => {
    const store = recordingStore();
    const rejected: WebhookRejection[] = [];
    const sides: string[] = [];
    const handler = createWebhookHandler({
      provider: 'sendgrid',
      verify: false,
      store,
      onRejected: (r) => void rejected.push(r),
      onSideEvent: (e) => void sides.push(e.messageId ?? '?'),
    });
    const batch = [
      { event: 'delivered', sg_message_id: 'a', sg_event_id: 'e1', timestamp: 1700000000 },
      { event: 'delivered' },
      { event: 'spamreport', sg_message_id: 'b', sg_event_id: 'e2' },
      { event: 'teleported', sg_message_id: 'c' },
      { event: 'open', sg_message_id: 'd', timestamp: 1700000001 },
    ];
    const response = await handler(post(JSON.stringify(batch), 'application/json'));
    expect(response.status).toBe(200);
    const body = await json(response);
    expect((body.results as { outcome: string }[]).map((r) => r.outcome)).toEqual(['applied', 'malformed', 'side_event', 'unmapped', 'applied']);
    expect(store.calls.map((c) => c.kind)).toEqual(['applyMany']);
    const items = store.calls[0].items;
    expect(items.map((i) => [i.messageId, i.event.status])).toEqual([
      ['a', 'DELIVERED'],
      ['d', 'OPEN'],
    ]);
    expect(items[0].event.id).toBe('e1');
    expect(items[1].event.id).toMatch(/^sendgrid:.+:4$/);
    expect(sides).toEqual(['b']);
    expect(rejected.map((r) => r.kind === 'entry' && r.code)).toEqual(['malformed_payload', 'unmapped_status']);
  });

  test('503 when the store fails (nothing half-done is claimed); the retry is accepted', async () => {
    const store = recordingStore();
    const rejected: WebhookRejection[] = [];
    const handler = createWebhookHandler({ provider: 'twilio', verify: false, store, onRejected: (r) => void rejected.push(r) });
    store.fail(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432 password=hunter2'), { code: 'ECONNREFUSED' }));
    const failed = await handler(post('MessageSid=SM1&MessageStatus=delivered'));
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).not.toBeNull();
    const text = await failed.text();
    expect(text).not.toMatch(/hunter2|ECONNREFUSED|5432/);
    expect(JSON.stringify(rejected)).not.toMatch(/hunter2/);
    store.fail(undefined);
    expect((await handler(post('MessageSid=SM1&MessageStatus=delivered'))).status).toBe(200);
    expect(store.calls).toHaveLength(1);
  });

  test('503 when onEvent or onSideEvent throws; a throwing onRejected changes nothing', async () => {
    const onEvent = createWebhookHandler({ provider: 'twilio', verify: false, onEvent: () => Promise.reject(new Error('queue full')) });
    expect((await onEvent(post('MessageSid=SM1&MessageStatus=delivered'))).status).toBe(503);
    const side = createWebhookHandler({ provider: 'sendgrid', verify: false, store: recordingStore(), onSideEvent: () => { throw new Error('x'); } });
    expect((await side(post('[{"event":"spamreport","sg_message_id":"b"}]', 'application/json'))).status).toBe(503);
    const noisy = createWebhookHandler({ provider: 'twilio', verify: false, store: recordingStore(), onRejected: () => { throw new Error('logger down'); } });
    expect((await noisy(post('x', 'text/plain'))).status).toBe(415);
  });

  test('a store refusing one entry of a batch (LifecycleError) does not spoil the others', async () => {
    const store = recordingStore();
    const base = store.applyMany.bind(store);
    store.applyMany = async (items) => {
      if (items.some((i) => i.messageId.length > 10)) throw new LifecycleError('invalid_argument', 'messageId too long');
      return base(items);
    };
    const baseApply = store.apply.bind(store);
    store.apply = async (messageId, channel, event) => {
      if (messageId.length > 10) throw new LifecycleError('invalid_argument', 'messageId too long');
      return baseApply(messageId, channel, event);
    };
    const handler = createWebhookHandler({ provider: 'sendgrid', verify: false, store });
    const response = await handler(post(JSON.stringify([{ event: 'delivered', sg_message_id: 'x'.repeat(20) }, { event: 'delivered', sg_message_id: 'ok' }]), 'application/json'));
    expect(response.status).toBe(200);
    expect(((await json(response)).results as { outcome: string }[]).map((r) => r.outcome)).toEqual(['malformed', 'applied']);
  });

  test('SNS: a subscription message applies nothing; a Notification maps its inner Message with the SNS MessageId as id', async () => {
    const store = recordingStore();
    const handler = createWebhookHandler({ provider: 'ses', verify: false, store });
    const confirm = await handler(post(JSON.stringify({ Type: 'SubscriptionConfirmation', MessageId: 'm0', SubscribeURL: 'https://sns.us-east-1.amazonaws.com/x' }), 'text/plain; charset=UTF-8'));
    expect(confirm.status).toBe(200);
    expect(store.calls).toEqual([]);
    const inner = { eventType: 'Delivery', mail: { messageId: 'ses-1', timestamp: '2026-01-01T00:00:00.000Z' }, delivery: { timestamp: '2026-01-01T00:00:01.000Z' } };
    const note = await handler(post(JSON.stringify({ Type: 'Notification', MessageId: 'sns-42', Message: JSON.stringify(inner) }), 'text/plain; charset=UTF-8'));
    expect(note.status).toBe(200);
    expect(store.calls[0].items[0]).toEqual({ messageId: 'ses-1', channel: 'email', event: { status: 'DELIVERED', id: 'sns:sns-42', at: '2026-01-01T00:00:01.000Z' } });
  });

  test('onEvent receives the mapped ProviderEvent', async () => {
    const events: unknown[] = [];
    const handler = createWebhookHandler({ provider: 'infobip', verify: false, onEvent: async (e) => void events.push(e) });
    const body = { results: [{ messageId: 'i1', status: { groupName: 'DELIVERED', name: 'DELIVERED_TO_HANDSET' }, doneAt: '2026-01-01T00:00:00.000+0000' }] };
    const response = await handler(post(JSON.stringify(body), 'application/json'));
    expect(response.status).toBe(200);
    expect(events).toEqual([expect.objectContaining({ channel: 'sms', messageId: 'i1', status: 'DELIVERED', at: '2026-01-01T00:00:00.000Z', id: expect.stringMatching(/^infobip:.+:0$/) })]);
  });
});

/** A signed request from the test helpers as a WHATWG Request. */
function asRequest(w: WebhookRequest): Request {
  return new Request(w.url, { method: w.method, headers: w.headers as Record<string, string>, body: w.method === 'GET' ? undefined : w.body });
}

/** The same request with one byte of the body flipped. */
function flipBody(w: WebhookRequest, at: number): WebhookRequest {
  const body = new Uint8Array(w.body);
  body[at] ^= 0x01;
  return { ...w, body };
}

describe('HTTP answers with verification', () => {
  const NOW = Date.UTC(2026, 11, 1, 0, 0, 0);
  const AUTH_TOKEN = 'twilio-auth-token-0123456789abcdef';
  const twilioUrl = 'https://hooks.example.com/twilio';
  const signed = (params: Record<string, string>) => asRequest(signTwilio({ authToken: AUTH_TOKEN, url: twilioUrl, params }));

  test('401 for a missing or bad Twilio signature, a flipped body byte or another URL; nothing is parsed or applied, no secret leaks', async () => {
    const store = recordingStore();
    const rejected: WebhookRejection[] = [];
    const handler = createWebhookHandler({ provider: 'twilio', verify: { authToken: AUTH_TOKEN }, store, onRejected: (r) => void rejected.push(r) });
    const good = signTwilio({ authToken: AUTH_TOKEN, url: twilioUrl, params: { MessageSid: 'SM1', MessageStatus: 'delivered' } });
    const { 'x-twilio-signature': _sig, ...unsigned } = good.headers as Record<string, string>;
    void _sig;
    const answers = [
      await handler(asRequest({ ...good, headers: unsigned })),
      await handler(asRequest({ ...good, headers: { ...good.headers, 'x-twilio-signature': 'AAAA' + (good.headers['x-twilio-signature'] as string).slice(4) } })),
      await handler(asRequest(flipBody(good, 12))),
      await handler(asRequest({ ...good, url: 'https://hooks.example.com/other' })),
    ];
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401]);
    const bodies = await Promise.all(answers.map((a) => a.text()));
    expect(bodies.map((b) => (JSON.parse(b) as { error: string }).error)).toEqual(['missing_signature', 'bad_signature', 'bad_signature', 'bad_signature']);
    for (const text of [...bodies, JSON.stringify(rejected)]) expect(text).not.toContain(AUTH_TOKEN);
    expect(store.calls).toEqual([]);
    expect((await handler(asRequest(good))).status).toBe(200);
    expect(store.calls).toHaveLength(1);
  });

  test('401 replayed for the same signed request after a 200; after a 503 the key is forgotten and the retry counts once', async () => {
    const store = recordingStore();
    const handler = createWebhookHandler({ provider: 'twilio', verify: { authToken: AUTH_TOKEN }, store });
    const request = () => signed({ MessageSid: 'SM2', MessageStatus: 'sent' });
    store.fail(new Error('timeout'));
    expect((await handler(request())).status).toBe(503);
    expect((await handler(request())).status).toBe(503);
    store.fail(undefined);
    expect((await handler(request())).status).toBe(200);
    const replay = await handler(request());
    expect(replay.status).toBe(401);
    expect((await json(replay)).error).toBe('replayed');
    expect(store.calls).toHaveLength(1);
  });

  test('a shared replay cache: the handler records the key itself after verifying and forgets it on 503', async () => {
    const log: string[] = [];
    const keys = new Set<string>();
    const replayCache: ReplayCache = {
      async seen(key) {
        log.push(`seen ${key.split(':')[0]}`);
        if (keys.has(key)) return true;
        keys.add(key);
        return false;
      },
      async forget(key) {
        log.push(`forget ${key.split(':')[0]}`);
        keys.delete(key);
      },
    };
    const store = recordingStore();
    const handler = createWebhookHandler({ provider: 'twilio', verify: { authToken: AUTH_TOKEN, replayCache }, store });
    store.fail(new Error('down'));
    await handler(signed({ MessageSid: 'SM3', MessageStatus: 'sent' }));
    store.fail(undefined);
    await handler(signed({ MessageSid: 'SM3', MessageStatus: 'sent' }));
    await handler(signed({ MessageSid: 'SM3', MessageStatus: 'sent', Extra: 'x' })).then((r) => r.text());
    expect(log).toEqual(['seen twilio', 'forget twilio', 'seen twilio', 'seen twilio']);
    // A cache that cannot answer: 503, nothing applied.
    const broken = createWebhookHandler({ provider: 'twilio', verify: { authToken: AUTH_TOKEN, replayCache: { seen: () => Promise.reject(new Error('db down')) } }, store });
    const before = store.calls.length;
    expect((await broken(signed({ MessageSid: 'SM4', MessageStatus: 'sent' }))).status).toBe(503);
    expect(store.calls).toHaveLength(before);
  });

  test('401 stale_timestamp for a SendGrid batch signed outside the window (injected clock), 200 inside', async () => {
    const keys = sendGridKeys();
    const store = recordingStore();
    const handler = createWebhookHandler({ provider: 'sendgrid', verify: { publicKey: keys.publicKeyBase64 }, store, now: () => NOW });
    const body = JSON.stringify([{ event: 'delivered', sg_message_id: 'g1', sg_event_id: 'ge1', timestamp: NOW / 1000 }]);
    const stale = await handler(asRequest(signSendGrid({ privateKey: keys.privateKey, body, timestampSeconds: NOW / 1000 - 600 })));
    expect(stale.status).toBe(401);
    expect((await json(stale)).error).toBe('stale_timestamp');
    expect(store.calls).toEqual([]);
    const fresh = await handler(asRequest(signSendGrid({ privateKey: keys.privateKey, body, timestampSeconds: NOW / 1000 - 10 })));
    expect(fresh.status).toBe(200);
    expect(store.calls).toHaveLength(1);
  });

  test('SNS: a confirmed subscription answers 200 and applies nothing; a topic not allowed is 401', async () => {
    const s = snsSigner();
    const at = Date.now();
    const topic = 'arn:aws:sns:us-east-1:123456789012:ses-events';
    const confirmed: string[] = [];
    const fetched: string[] = [];
    const store = recordingStore();
    const handler = createWebhookHandler({
      provider: 'ses',
      verify: {
        topicArns: [topic],
        fetchCertificate: async (url) => (fetched.push(url), s.certificatePem),
        confirmSubscription: async (url) => void confirmed.push(url),
      },
      store,
      // The test certificate is valid from when it was made: the real clock.
      now: () => at,
    });
    const timestamp = new Date(at).toISOString();
    const confirmation = await handler(asRequest(signSns({ type: 'SubscriptionConfirmation', message: 'confirm', topicArn: topic, timestamp, messageId: 'sc-1' }, s)));
    expect(confirmation.status).toBe(200);
    expect(confirmed).toHaveLength(1);
    expect(store.calls).toEqual([]);
    const inner = JSON.stringify({ eventType: 'Bounce', mail: { messageId: 'ses-9' }, bounce: { bounceType: 'Permanent', bounceSubType: 'General', feedbackId: 'fb-9', timestamp } });
    const other = await handler(asRequest(signSns({ message: inner, topicArn: 'arn:aws:sns:us-east-1:123456789012:other', timestamp, messageId: 'n-0' }, s)));
    expect(other.status).toBe(401);
    expect(store.calls).toEqual([]);
    const note = await handler(asRequest(signSns({ message: inner, topicArn: topic, timestamp, messageId: 'n-1', signatureVersion: '2' }, s)));
    expect(note.status).toBe(200);
    expect(store.calls[0].items).toEqual([{ messageId: 'ses-9', channel: 'email', event: { status: 'UNDELIVERABLE', id: 'fb-9', at: timestamp } }]);
    expect(fetched.every((u) => new URL(u).hostname === 'sns.us-east-1.amazonaws.com')).toBe(true);
  });

  test('Postmark and Infobip: wrong Basic credentials are 401; the right ones 200', async () => {
    const store = recordingStore();
    const postmark = createWebhookHandler({ provider: 'postmark', verify: { username: 'pm', password: 'pm-secret-pass' }, store });
    const body = JSON.stringify({ RecordType: 'Delivery', MessageID: 'pm-1', DeliveredAt: '2026-01-01T00:00:00Z' });
    const wrong = await postmark(asRequest(withBasicAuth('pm', 'guess', body)));
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain('pm-secret-pass');
    expect((await postmark(asRequest(withBasicAuth('pm', 'pm-secret-pass', body)))).status).toBe(200);
    const infobip = createWebhookHandler({ provider: 'infobip', verify: { username: 'ib', password: 'ib-pass' }, store });
    const report = JSON.stringify({ results: [{ messageId: 'ib-1', status: { groupName: 'DELIVERED', name: 'DELIVERED_TO_HANDSET' } }] });
    expect((await infobip(asRequest(withBasicAuth('ib', 'nope', report)))).status).toBe(401);
    expect((await infobip(asRequest(withBasicAuth('ib', 'ib-pass', report)))).status).toBe(200);
    expect(store.calls.map((c) => c.items[0].messageId)).toEqual(['pm-1', 'ib-1']);
  });

  test('Vonage and Mailgun signed callbacks are verified, mapped and applied', async () => {
    const store = recordingStore();
    const vonage = createWebhookHandler({ provider: 'vonage', verify: { signatureSecret: 'vonage-secret' }, store, now: () => NOW });
    const params = { messageId: 'v-1', status: 'delivered', scts: '2612010000', 'err-code': '0', timestamp: String(NOW / 1000) };
    expect((await vonage(asRequest(signVonageSms({ secret: 'vonage-secret', params, as: 'json' })))).status).toBe(200);
    expect((await vonage(asRequest(signVonageSms({ secret: 'wrong-secret', params: { ...params, messageId: 'v-2' }, as: 'form' })))).status).toBe(401);
    const mailgun = createWebhookHandler({ provider: 'mailgun', verify: { signingKey: 'mg-key' }, store, now: () => NOW });
    const eventData = { event: 'delivered', id: 'mg-e1', timestamp: NOW / 1000, message: { headers: { 'message-id': 'mg-1@example.com' } } };
    const good = signMailgun({ signingKey: 'mg-key', timestampSeconds: NOW / 1000, token: 'token-1', eventData });
    expect((await mailgun(asRequest(good))).status).toBe(200);
    // Mailgun signs only timestamp + token: the same signature with forged data is refused as a replay.
    const forged = { ...good, body: new TextEncoder().encode(new TextDecoder().decode(good.body).replace('delivered', 'failed')) };
    const answer = await mailgun(asRequest(forged));
    expect(answer.status).toBe(401);
    expect((await json(answer)).error).toBe('replayed');
    expect(store.calls.map((c) => [c.items[0].messageId, c.items[0].event.status])).toEqual([
      ['v-1', 'DELIVERED'],
      ['mg-1@example.com', 'DELIVERED'],
    ]);
  });

  test('a misconfigured verifier fails at construction, not on the first callback', () => {
    expect(construct({ provider: 'twilio', verify: { authToken: '' }, store: recordingStore() })).toBe('invalid_argument');
    expect(construct({ provider: 'sendgrid', verify: { publicKey: 'k', toleranceMs: -1 }, store: recordingStore() })).toBe('invalid_argument');
  });
});

describe('types: verify is typed per provider', () => {
  test('each provider takes its own secrets, or false; nothing else', () => {
    const store = recordingStore();
    // Compile-time checks: each @ts-expect-error line must be an error, or tsc fails.
    const typed = [
      createWebhookHandler({ provider: 'twilio', verify: { authToken: 't' }, store }),
      createWebhookHandler({ provider: 'sendgrid', verify: { publicKey: sendGridKeys().publicKeyPem, toleranceMs: 1000 }, store }),
      createWebhookHandler({ provider: 'ses', verify: { topicArns: ['arn:aws:sns:us-east-1:1:t'] }, store }),
      createWebhookHandler({ provider: 'postmark', verify: false, onEvent: () => undefined }),
    ];
    // @ts-expect-error SendGrid's key is not Twilio's option
    expect(construct({ provider: 'twilio', verify: { publicKey: 'k' }, store } satisfies Parameters<typeof createWebhookHandler>[0])).toBe('invalid_argument');
    // @ts-expect-error verify is required
    expect(() => createWebhookHandler({ provider: 'mailgun', store })).toThrow(LifecycleError);
    // @ts-expect-error store and onEvent are exclusive
    expect(() => createWebhookHandler({ provider: 'mailgun', verify: false, store, onEvent: () => undefined })).toThrow(LifecycleError);
    expect(typed.every((h) => typeof h === 'function')).toBe(true);
  });
});
