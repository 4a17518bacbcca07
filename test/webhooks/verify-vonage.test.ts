import { createHmac } from 'node:crypto';

import { isLifecycleError } from '../../src/errors';
import { createMemoryReplayCache, verifyVonage } from '../../src/webhooks';
import type { WebhookRequest } from '../../src/webhooks';
import { signVonageMessages, signVonageSms, vonageJwt, type VonageMethod } from '../support/webhooks';

const enc = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

describe("Vonage's published SMS signature example (vonage-python-sdk test_check_signature)", () => {
  // params a=1, b=2, timestamp=1461605396, secret "secret", md5hash → 6af838ef94998832dbfc29020b564830
  const request: WebhookRequest = {
    method: 'GET',
    url: 'https://hooks.example.com/vonage?a=1&b=2&timestamp=1461605396&sig=6af838ef94998832dbfc29020b564830',
    headers: {},
    body: new Uint8Array(),
  };
  const now = () => 1461605396_000;

  test('verifies', async () => {
    await expect(verifyVonage(request, { signatureSecret: 'secret', now })).resolves.toMatchObject({ ok: true });
  });

  test('the signature in upper case too (Vonage compares case-insensitively)', async () => {
    await expect(verifyVonage({ ...request, url: request.url.replace(/sig=.*/, 'sig=6AF838EF94998832DBFC29020B564830') }, { signatureSecret: 'secret', now })).resolves.toMatchObject({ ok: true });
  });

  test('a changed parameter fails', async () => {
    await expect(verifyVonage({ ...request, url: request.url.replace('a=1', 'a=2') }, { signatureSecret: 'secret', now })).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
  });
});

describe('SMS API signed webhooks', () => {
  const ts = 1_764_547_200;
  const now = () => ts * 1000;
  const params = { msisdn: '447700900000', to: 'Acme', messageId: '0A0000000123ABCD1', status: 'delivered', 'err-code': '0', 'message-timestamp': '2025-12-01 00:00:00', timestamp: String(ts), text: 'a&b=c' };
  const methods: VonageMethod[] = ['md5hash', 'md5', 'sha1', 'sha256', 'sha512'];

  test.each(methods)('%s, as query, form and JSON', async (method) => {
    for (const as of ['query', 'form', 'json'] as const) {
      const request = signVonageSms({ secret: 'sig-secret', params, method, as });
      await expect(verifyVonage(request, { signatureSecret: 'sig-secret', signatureMethod: method, now })).resolves.toMatchObject({ ok: true });
      // Another method, or another secret, fails.
      const other = methods[(methods.indexOf(method) + 1) % methods.length];
      await expect(verifyVonage(request, { signatureSecret: 'sig-secret', signatureMethod: other, now })).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
      await expect(verifyVonage(request, { signatureSecret: 'sig-secreT', signatureMethod: method, now })).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
    }
  });

  test('the & and = in values are signed as _ (as Vonage does)', () => {
    const sig = new URL(signVonageSms({ secret: 's', params: { a: 'x&y=z', timestamp: '1' }, method: 'sha256' }).url).searchParams.get('sig');
    expect(sig).toBe(createHmac('sha256', 's').update('&a=x_y_z&timestamp=1').digest('hex'));
  });

  test('a flipped byte in any value or in sig fails', async () => {
    const request = signVonageSms({ secret: 'k', params, method: 'sha256', as: 'form' });
    const text = Buffer.from(request.body).toString('utf8');
    for (let at = 0; at < text.length; at++) {
      if ('&='.includes(text[at])) continue;
      const changed = text.slice(0, at) + (text[at] === '1' ? '2' : '1') + text.slice(at + 1);
      const result = await verifyVonage({ ...request, body: enc(changed) }, { signatureSecret: 'k', signatureMethod: 'sha256', now, toleranceMs: 1e15 });
      expect(result.ok).toBe(false);
    }
  });

  test('timestamp window edge, and a missing timestamp', async () => {
    const request = signVonageSms({ secret: 'k', params, method: 'sha1' });
    const options = { signatureSecret: 'k', signatureMethod: 'sha1' as const, toleranceMs: 2000 };
    await expect(verifyVonage(request, { ...options, now: () => ts * 1000 - 2000 })).resolves.toMatchObject({ ok: true });
    await expect(verifyVonage(request, { ...options, now: () => ts * 1000 - 2001 })).resolves.toMatchObject({ ok: false, code: 'stale_timestamp' });
    const { timestamp: _, ...noTs } = params;
    await expect(verifyVonage(signVonageSms({ secret: 'k', params: noTs, method: 'sha1' }), { ...options, now })).resolves.toMatchObject({ ok: false, code: 'malformed_request' });
  });

  test('no sig and no bearer token', async () => {
    await expect(verifyVonage({ method: 'GET', url: 'https://h.example.com/v?timestamp=1', headers: {}, body: new Uint8Array() }, { signatureSecret: 'k' })).resolves.toMatchObject({ ok: false, code: 'missing_signature' });
  });

  test('replay inside the window', async () => {
    const replayCache = createMemoryReplayCache({ now });
    const request = signVonageSms({ secret: 'k', params, method: 'sha512', as: 'json' });
    await expect(verifyVonage(request, { signatureSecret: 'k', signatureMethod: 'sha512', now, replayCache })).resolves.toMatchObject({ ok: true });
    await expect(verifyVonage(request, { signatureSecret: 'k', signatureMethod: 'sha512', now, replayCache })).resolves.toMatchObject({ ok: false, code: 'replayed' });
  });
});

describe('Messages API JWT', () => {
  const secret = 'messages-signature-secret';
  const iat = 1_764_547_200;
  const now = () => iat * 1000;
  const body = JSON.stringify({ message_uuid: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab', to: '447700900000', from: 'Acme', timestamp: '2025-12-01T00:00:00Z', status: 'delivered' });
  const signed = signVonageMessages({ secret, body, iatSeconds: iat });
  const withToken = (token: string): WebhookRequest => ({ ...signed, headers: { ...signed.headers, authorization: `Bearer ${token}` } });

  test('verifies, the jti as replay key', async () => {
    await expect(verifyVonage(signed, { signatureSecret: secret, now })).resolves.toEqual({ ok: true, replay: { key: 'vonage:jwt:c7d9f0b6-7c1a-4b4e-9d1e-1f2e3d4c5b6a', ttlMs: 600000 } });
  });

  test('a flipped body byte fails the payload_hash', async () => {
    for (let at = 0; at < signed.body.byteLength; at += 5) {
      const body2 = new Uint8Array(signed.body);
      body2[at] ^= 1;
      await expect(verifyVonage({ ...signed, body: body2 }, { signatureSecret: secret, now })).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
    }
  });

  test('a flipped token character fails', async () => {
    const token = signed.headers.authorization!.slice('Bearer '.length);
    for (let at = 0; at < token.length; at++) {
      if (token[at] === '.') continue;
      const changed = token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
      const result = await verifyVonage(withToken(changed), { signatureSecret: secret, now });
      expect(result.ok).toBe(false);
    }
  });

  test('alg none, HS512 or RS256 are refused even when "signed"', async () => {
    const none = vonageJwt(secret, body, { iat }, { alg: 'none', typ: 'JWT' }).split('.').slice(0, 2).join('.') + '.';
    await expect(verifyVonage(withToken(none), { signatureSecret: secret, now })).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
    for (const alg of ['HS512', 'RS256', 'hs256']) {
      await expect(verifyVonage(withToken(vonageJwt(secret, body, { iat }, { alg })), { signatureSecret: secret, now })).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
    }
  });

  test('another secret fails', async () => {
    await expect(verifyVonage(signed, { signatureSecret: `${secret}!`, now })).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
  });

  test('iat window edge, exp, and missing claims', async () => {
    await expect(verifyVonage(signed, { signatureSecret: secret, toleranceMs: 1000, now: () => iat * 1000 + 1000 })).resolves.toMatchObject({ ok: true });
    await expect(verifyVonage(signed, { signatureSecret: secret, toleranceMs: 1000, now: () => iat * 1000 + 1001 })).resolves.toMatchObject({ ok: false, code: 'stale_timestamp' });
    await expect(verifyVonage(withToken(vonageJwt(secret, body, { iat, exp: iat - 600 })), { signatureSecret: secret, now })).resolves.toMatchObject({ ok: false, code: 'stale_timestamp' });
    await expect(verifyVonage(withToken(vonageJwt(secret, body, {})), { signatureSecret: secret, now })).resolves.toMatchObject({ ok: false, code: 'malformed_request' });
    await expect(verifyVonage(withToken(vonageJwt(secret, body, { iat, exp: 'tomorrow' })), { signatureSecret: secret, now })).resolves.toMatchObject({ ok: false, code: 'malformed_request' });
    await expect(verifyVonage(withToken(vonageJwt(secret, body, { iat, exp: iat + 60 })), { signatureSecret: secret, now })).resolves.toMatchObject({ ok: true });
    await expect(verifyVonage(withToken(vonageJwt(secret, body, { iat, payload_hash: undefined })), { signatureSecret: secret, now })).resolves.toMatchObject({ ok: false, code: 'malformed_request' });
    await expect(verifyVonage(withToken('abc.def'), { signatureSecret: secret, now })).resolves.toMatchObject({ ok: false, code: 'malformed_request' });
  });

  test('replay of the same jti inside the window', async () => {
    const replayCache = createMemoryReplayCache({ now });
    await expect(verifyVonage(signed, { signatureSecret: secret, now, replayCache })).resolves.toMatchObject({ ok: true });
    await expect(verifyVonage(signed, { signatureSecret: secret, now, replayCache })).resolves.toMatchObject({ ok: false, code: 'replayed' });
  });

  test('bad options throw invalid_argument', () => {
    for (const bad of [{}, { signatureSecret: '' }, { signatureSecret: 'x', signatureMethod: 'sha384' }, { signatureSecret: 'x', now: 5 }]) {
      let thrown: unknown;
      try {
        void verifyVonage(signed, bad as never);
      } catch (e) {
        thrown = e;
      }
      expect(isLifecycleError(thrown) && thrown.code === 'invalid_argument').toBe(true);
    }
  });
});
