import { createHmac } from 'node:crypto';

import { createMemoryReplayCache, verifyMailgun } from '../../src/webhooks';
import type { WebhookRequest } from '../../src/webhooks';
import { signMailgun } from '../support/webhooks';

const enc = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const signingKey = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';
const ts = 1_764_547_200;
const now = () => ts * 1000;
const token = 'a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0';

function edit(request: WebhookRequest, change: (body: { signature: Record<string, unknown>; 'event-data': Record<string, unknown> }) => void): WebhookRequest {
  const body = JSON.parse(Buffer.from(request.body).toString('utf8'));
  change(body);
  return { ...request, body: enc(JSON.stringify(body)) };
}

describe('verifyMailgun (JSON webhooks)', () => {
  const signed = signMailgun({ signingKey, timestampSeconds: ts, token, eventData: { event: 'delivered', id: 'ev1' } });

  test('verifies: HMAC-SHA256 hex of timestamp + token', async () => {
    const body = JSON.parse(Buffer.from(signed.body).toString('utf8'));
    // The documented construction, written out here once more.
    expect(body.signature.signature).toBe(createHmac('sha256', signingKey).update(`${ts}${token}`).digest('hex'));
    await expect(verifyMailgun(signed, { signingKey, now })).resolves.toEqual({ ok: true, replay: { key: `mailgun:${token}`, ttlMs: 600000 } });
  });

  test('the event data is not signed: changing it still verifies (hence the token single use)', async () => {
    const forged = edit(signed, (b) => {
      b['event-data'].event = 'failed';
    });
    await expect(verifyMailgun(forged, { signingKey, now })).resolves.toMatchObject({ ok: true });
  });

  test('a flipped byte in timestamp, token or signature fails', async () => {
    for (const field of ['timestamp', 'token', 'signature'] as const) {
      const value = (JSON.parse(Buffer.from(signed.body).toString('utf8')).signature as Record<string, string>)[field];
      for (let at = 0; at < value.length; at++) {
        const changed = value.slice(0, at) + (value[at] === '1' ? '2' : '1') + value.slice(at + 1);
        const result = await verifyMailgun(edit(signed, (b) => void (b.signature[field] = changed)), { signingKey, now, toleranceMs: 1e15 });
        expect(result).toMatchObject({ ok: false, code: 'bad_signature' });
      }
    }
  });

  test('another signing key fails', async () => {
    await expect(verifyMailgun(signed, { signingKey: `${signingKey}x`, now })).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
  });

  test('the window edge', async () => {
    await expect(verifyMailgun(signed, { signingKey, toleranceMs: 1000, now: () => ts * 1000 + 1000 })).resolves.toMatchObject({ ok: true });
    await expect(verifyMailgun(signed, { signingKey, toleranceMs: 1000, now: () => ts * 1000 + 1001 })).resolves.toMatchObject({ ok: false, code: 'stale_timestamp' });
  });

  test('replay: the same token inside the window is refused, with other event data too', async () => {
    let clock = ts * 1000;
    const replayCache = createMemoryReplayCache({ now: () => clock });
    const options = { signingKey, now: () => clock, replayCache };
    await expect(verifyMailgun(signed, options)).resolves.toMatchObject({ ok: true });
    const forged = edit(signed, (b) => void (b['event-data'].event = 'failed'));
    await expect(verifyMailgun(forged, options)).resolves.toMatchObject({ ok: false, code: 'replayed' });
    clock += 5 * 60_000;
    await expect(verifyMailgun(signed, options)).resolves.toMatchObject({ ok: false, code: 'replayed' });
    // Outside the window the timestamp itself is stale.
    clock += 1;
    await expect(verifyMailgun(signed, options)).resolves.toMatchObject({ ok: false, code: 'stale_timestamp' });
  });

  test('missing or malformed envelopes', async () => {
    await expect(verifyMailgun({ ...signed, body: enc('{"event-data":{}}') }, { signingKey, now })).resolves.toMatchObject({ ok: false, code: 'missing_signature' });
    await expect(verifyMailgun({ ...signed, body: enc('not json') }, { signingKey, now })).resolves.toMatchObject({ ok: false, code: 'malformed_request' });
    await expect(verifyMailgun(edit(signed, (b) => void (b.signature.timestamp = 'soon')), { signingKey, now })).resolves.toMatchObject({ ok: false, code: 'malformed_request' });
    await expect(verifyMailgun(edit(signed, (b) => void delete b.signature.token), { signingKey, now })).resolves.toMatchObject({ ok: false, code: 'malformed_request' });
    await expect(verifyMailgun({ ...signed, headers: { 'content-type': 'text/plain' } }, { signingKey, now })).resolves.toMatchObject({ ok: false, code: 'malformed_request' });
  });
});

describe('verifyMailgun (legacy form webhooks)', () => {
  test('URL-encoded fields', async () => {
    const signed = signMailgun({ signingKey, timestampSeconds: ts, token, form: true });
    await expect(verifyMailgun(signed, { signingKey, now })).resolves.toMatchObject({ ok: true });
    await expect(verifyMailgun(signed, { signingKey: 'other', now })).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
  });

  test('multipart/form-data fields', async () => {
    const signature = createHmac('sha256', signingKey).update(`${ts}${token}`).digest('hex');
    const boundary = '----mgboundary42';
    const part = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const body = part('event', 'delivered') + part('timestamp', String(ts)) + part('token', token) + part('signature', signature) + `--${boundary}--\r\n`;
    const request: WebhookRequest = { method: 'POST', url: 'https://hooks.example.com/mailgun', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body: enc(body) };
    await expect(verifyMailgun(request, { signingKey, now })).resolves.toMatchObject({ ok: true });
    await expect(verifyMailgun({ ...request, body: enc(body.replace(token, `${token.slice(0, -1)}1`)) }, { signingKey, now })).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
  });
});

describe('subaccounts: parent-signature', () => {
  test("a subaccount event verifies with the primary account's key through parent-signature", async () => {
    const subKey = 'key-subaccount';
    const signed = signMailgun({ signingKey: subKey, timestampSeconds: ts, token });
    const parentSignature = createHmac('sha256', signingKey).update(`${ts}${token}`).digest('hex');
    const withParent = edit(signed, (b) => void (b.signature['parent-signature'] = parentSignature));
    await expect(verifyMailgun(signed, { signingKey, now })).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
    await expect(verifyMailgun(withParent, { signingKey, now })).resolves.toMatchObject({ ok: true });
    await expect(verifyMailgun(withParent, { signingKey: subKey, now })).resolves.toMatchObject({ ok: true });
    const forged = edit(withParent, (b) => void (b.signature['parent-signature'] = parentSignature.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))));
    await expect(verifyMailgun(forged, { signingKey, now })).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
  });
});
