import { generateKeyPairSync, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';

import { isLifecycleError } from '../../src/errors';
import { createMemoryReplayCache, verifySendGrid } from '../../src/webhooks';
import type { WebhookRequest } from '../../src/webhooks';
import { sendGridKeys, signSendGrid } from '../support/webhooks';

const enc = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const flip = (bytes: Uint8Array, at: number) => {
  const copy = new Uint8Array(bytes);
  copy[at] ^= 0x01;
  return copy;
};

describe("SendGrid's published example (sendgrid-nodejs eventwebhook.spec.js)", () => {
  const PUBLIC_KEY = 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA==';
  const SIGNATURE = 'MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH2j/0=';
  const TIMESTAMP = '1588788367';
  const PAYLOAD = JSON.stringify({ category: 'example_payload', event: 'test_event', message_id: 'message_id' });
  const request: WebhookRequest = {
    method: 'POST',
    url: 'https://hooks.example.com/sendgrid',
    headers: { 'content-type': 'application/json', 'x-twilio-email-event-webhook-signature': SIGNATURE, 'x-twilio-email-event-webhook-timestamp': TIMESTAMP },
    body: enc(PAYLOAD),
  };
  const now = () => 1588788367_000;

  test('verifies', async () => {
    await expect(verifySendGrid(request, { publicKey: PUBLIC_KEY, now })).resolves.toMatchObject({ ok: true });
  });

  test('another key, payload, signature or timestamp fails', async () => {
    const otherKey = 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqTxd43gyp8IOEto2LdIfjRQrIbsd4SXZkLW6jDutdhXSJCWHw8REntlo7aNDthvj+y7GjUuFDb/R1NGe1OPzpA==';
    await expect(verifySendGrid(request, { publicKey: otherKey, now })).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
    await expect(verifySendGrid({ ...request, body: enc('payload') }, { publicKey: PUBLIC_KEY, now })).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
    const badSig = SIGNATURE.replace('NH2j', 'NH3j');
    await expect(
      verifySendGrid({ ...request, headers: { ...request.headers, 'x-twilio-email-event-webhook-signature': badSig } }, { publicKey: PUBLIC_KEY, now }),
    ).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
    await expect(
      verifySendGrid({ ...request, headers: { ...request.headers, 'x-twilio-email-event-webhook-timestamp': 'timestamp' } }, { publicKey: PUBLIC_KEY, now }),
    ).resolves.toMatchObject({ ok: false, code: 'malformed_request' });
  });

  test('outside the window it is stale', async () => {
    await expect(verifySendGrid(request, { publicKey: PUBLIC_KEY })).resolves.toMatchObject({ ok: false, code: 'stale_timestamp' });
  });
});

describe('generated P-256 keys', () => {
  const keys = sendGridKeys();
  const ts = 1_764_547_200; // 2025-12-01T00:00:00Z
  const now = () => ts * 1000;
  const body = JSON.stringify([{ email: 'a@example.com', event: 'delivered', sg_message_id: 'm1', sg_event_id: 'e1', timestamp: ts }]);
  const signed = signSendGrid({ privateKey: keys.privateKey, body, timestampSeconds: ts });

  test('the key as base64 DER and as PEM', async () => {
    await expect(verifySendGrid(signed, { publicKey: keys.publicKeyBase64, now })).resolves.toMatchObject({ ok: true, replay: { ttlMs: 600000 } });
    await expect(verifySendGrid(signed, { publicKey: keys.publicKeyPem, now })).resolves.toMatchObject({ ok: true });
  });

  test('every flipped body byte fails', async () => {
    for (let at = 0; at < signed.body.byteLength; at++) {
      await expect(verifySendGrid({ ...signed, body: flip(signed.body, at) }, { publicKey: keys.publicKeyBase64, now })).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
    }
  });

  test('a flipped signature byte fails', async () => {
    const der = Buffer.from(signed.headers['x-twilio-email-event-webhook-signature']!, 'base64');
    for (let at = 0; at < der.length; at++) {
      const forged = Buffer.from(flip(der, at)).toString('base64');
      const request = { ...signed, headers: { ...signed.headers, 'x-twilio-email-event-webhook-signature': forged } };
      await expect(verifySendGrid(request, { publicKey: keys.publicKeyBase64, now })).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
    }
  });

  test('a changed timestamp fails the signature even inside the window', async () => {
    const request = { ...signed, headers: { ...signed.headers, 'x-twilio-email-event-webhook-timestamp': String(ts + 1) } };
    await expect(verifySendGrid(request, { publicKey: keys.publicKeyBase64, now })).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
  });

  test('the window edge: exactly the tolerance passes, one ms more is stale (either way)', async () => {
    const options = { publicKey: keys.publicKeyBase64, toleranceMs: 60_000 };
    await expect(verifySendGrid(signed, { ...options, now: () => ts * 1000 + 60_000 })).resolves.toMatchObject({ ok: true });
    await expect(verifySendGrid(signed, { ...options, now: () => ts * 1000 + 60_001 })).resolves.toMatchObject({ ok: false, code: 'stale_timestamp' });
    await expect(verifySendGrid(signed, { ...options, now: () => ts * 1000 - 60_000 })).resolves.toMatchObject({ ok: true });
    await expect(verifySendGrid(signed, { ...options, now: () => ts * 1000 - 60_001 })).resolves.toMatchObject({ ok: false, code: 'stale_timestamp' });
  });

  test('missing headers', async () => {
    const { 'x-twilio-email-event-webhook-signature': _s, ...noSig } = signed.headers;
    await expect(verifySendGrid({ ...signed, headers: noSig }, { publicKey: keys.publicKeyBase64, now })).resolves.toMatchObject({ ok: false, code: 'missing_signature' });
    const { 'x-twilio-email-event-webhook-timestamp': _t, ...noTs } = signed.headers;
    await expect(verifySendGrid({ ...signed, headers: noTs }, { publicKey: keys.publicKeyBase64, now })).resolves.toMatchObject({ ok: false, code: 'malformed_request' });
  });

  test('a replay inside the window is refused, even with the malleated twin signature', async () => {
    let clock = ts * 1000;
    const replayCache = createMemoryReplayCache({ now: () => clock });
    const options = { publicKey: keys.publicKeyBase64, now: () => clock, replayCache };
    await expect(verifySendGrid(signed, options)).resolves.toMatchObject({ ok: true });
    await expect(verifySendGrid(signed, options)).resolves.toMatchObject({ ok: false, code: 'replayed' });
    // (r, s) → (r, n − s) is a second valid signature of the same bytes.
    const twin = malleate(Buffer.from(signed.headers['x-twilio-email-event-webhook-signature']!, 'base64'));
    const twinRequest = { ...signed, headers: { ...signed.headers, 'x-twilio-email-event-webhook-signature': twin.toString('base64') } };
    await expect(verifySendGrid(twinRequest, { publicKey: keys.publicKeyBase64, now: () => clock })).resolves.toMatchObject({ ok: true });
    await expect(verifySendGrid(twinRequest, options)).resolves.toMatchObject({ ok: false, code: 'replayed' });
    // After the window the timestamp is stale anyway.
    clock += 600_001;
    await expect(verifySendGrid(signed, options)).resolves.toMatchObject({ ok: false, code: 'stale_timestamp' });
  });

  test('a new request (new timestamp) after a replayed one is accepted', async () => {
    const replayCache = createMemoryReplayCache({ now });
    await expect(verifySendGrid(signed, { publicKey: keys.publicKeyBase64, now, replayCache })).resolves.toMatchObject({ ok: true });
    const again = signSendGrid({ privateKey: keys.privateKey, body, timestampSeconds: ts + 1 });
    await expect(verifySendGrid(again, { publicKey: keys.publicKeyBase64, now, replayCache })).resolves.toMatchObject({ ok: true });
  });

  test('a key that is not P-256 throws invalid_argument', () => {
    const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' });
    for (const publicKey of ['', 'not base64 !', ed, 42, undefined]) {
      let thrown: unknown;
      try {
        void verifySendGrid(signed, { publicKey } as never);
      } catch (e) {
        thrown = e;
      }
      expect(isLifecycleError(thrown) && thrown.code === 'invalid_argument').toBe(true);
    }
  });

  test('the oracle signs what the docs say: timestamp then body', () => {
    const direct = cryptoSign('sha256', Buffer.from(`${ts}${body}`), { key: keys.privateKey, dsaEncoding: 'der' });
    expect(cryptoVerify('sha256', Buffer.from(`${ts}${body}`), { key: keys.publicKeyPem, dsaEncoding: 'der' }, direct)).toBe(true);
  });
});

/** The other valid ECDSA signature of the same message: s → n − s. */
function malleate(der: Buffer): Buffer {
  const n = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
  let at = 2;
  const rLen = der[at + 1];
  const r = der.subarray(at + 2, at + 2 + rLen);
  at += 2 + rLen;
  const s = BigInt(`0x${der.subarray(at + 2, at + 2 + der[at + 1]).toString('hex')}`);
  const twin = n - s;
  let hex = twin.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let sBytes = Buffer.from(hex, 'hex');
  if (sBytes[0] & 0x80) sBytes = Buffer.concat([Buffer.from([0]), sBytes]);
  const body = Buffer.concat([Buffer.from([0x02, r.length]), r, Buffer.from([0x02, sBytes.length]), sBytes]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}
