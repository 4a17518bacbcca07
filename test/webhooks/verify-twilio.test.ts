import { createHmac } from 'node:crypto';

import { createMemoryReplayCache, verifyTwilio } from '../../src/webhooks';
import type { WebhookRequest } from '../../src/webhooks';
import { isLifecycleError } from '../../src/errors';
import { formBody, signTwilio, twilioSignature } from '../support/webhooks';

const enc = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

function flip(bytes: Uint8Array, at: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy[at] ^= 0x01;
  return copy;
}

describe("Twilio's documented example", () => {
  // https://www.twilio.com/docs/usage/webhooks/webhooks-security (and the
  // api-snippets signature_validation example): auth token 12345.
  const params = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675310', Digits: '1234', From: '+14158675310', To: '+18005551212' };
  const request: WebhookRequest = {
    method: 'POST',
    url: 'https://mycompany.com/myapp.php?foo=1&bar=2',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'GvWf1cFY/Q7PnoempGyD5oXAezc=' },
    body: enc(formBody(params)),
  };

  test('verifies', async () => {
    await expect(verifyTwilio(request, { authToken: '12345' })).resolves.toMatchObject({ ok: true });
  });

  test('with the form fields in another order', async () => {
    const reordered = { ...request, body: enc(formBody(Object.entries(params).reverse())) };
    await expect(verifyTwilio(reordered, { authToken: '12345' })).resolves.toMatchObject({ ok: true });
  });

  test('another token fails', async () => {
    await expect(verifyTwilio(request, { authToken: '12346' })).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
  });
});

describe('flipped bytes', () => {
  const authToken = 'token-abc';
  const signed = signTwilio({ authToken, url: 'https://hooks.example.com/twilio/status', params: { MessageSid: 'SM1', MessageStatus: 'delivered' } });

  test('the genuine request passes', async () => {
    await expect(verifyTwilio(signed, { authToken })).resolves.toMatchObject({ ok: true, replay: { ttlMs: 300000 } });
  });

  test.each([...Array(signed.body.byteLength).keys()])('body byte %i', async (at) => {
    const result = await verifyTwilio({ ...signed, body: flip(signed.body, at) }, { authToken });
    expect(result.ok).toBe(false);
  });

  test('signature byte', async () => {
    const sig = signed.headers['x-twilio-signature']!;
    for (let at = 0; at < sig.length; at++) {
      const forged = sig.slice(0, at) + (sig[at] === 'A' ? 'B' : 'A') + sig.slice(at + 1);
      const result = await verifyTwilio({ ...signed, headers: { ...signed.headers, 'x-twilio-signature': forged } }, { authToken });
      expect(result).toMatchObject({ ok: false, code: 'bad_signature' });
    }
  });

  test('URL byte', async () => {
    for (const url of ['https://hooks.example.com/twilio/statuz', 'https://hooks.example.org/twilio/status', 'http://hooks.example.com/twilio/status']) {
      await expect(verifyTwilio({ ...signed, url }, { authToken })).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
    }
  });

  test('a missing signature', async () => {
    const { 'x-twilio-signature': _, ...headers } = signed.headers;
    await expect(verifyTwilio({ ...signed, headers }, { authToken })).resolves.toMatchObject({ ok: false, code: 'missing_signature' });
  });
});

describe('repeated parameter names', () => {
  const authToken = 'tok';
  const url = 'https://hooks.example.com/t';
  const pairs = [['To', '+1'], ['Media', 'b'], ['Media', 'a'], ['Media', 'b']] as const;

  test('are signed as Twilio does: distinct values sorted, each as name+value', async () => {
    const signature = twilioSignature(authToken, url, pairs);
    // The oracle string, written out: URL + Mediaa + Mediab + To+1
    expect(signature).toBe(createHmac('sha1', authToken).update(`${url}MediaaMediabTo+1`).digest('base64'));
    const request: WebhookRequest = { method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body: enc(formBody(pairs)) };
    await expect(verifyTwilio(request, { authToken })).resolves.toMatchObject({ ok: true });
    const reordered = { ...request, body: enc(formBody([pairs[2], pairs[0], pairs[1]])) };
    await expect(verifyTwilio(reordered, { authToken })).resolves.toMatchObject({ ok: true });
  });
});

describe('JSON bodies through bodySHA256', () => {
  const authToken = 'tok';
  const signed = signTwilio({ authToken, url: 'https://hooks.example.com/twilio/json', json: '{"MessageSid":"SM1","MessageStatus":"sent"}' });

  test('verify', async () => {
    expect(signed.url).toMatch(/\?bodySHA256=[0-9a-f]{64}$/);
    await expect(verifyTwilio(signed, { authToken })).resolves.toMatchObject({ ok: true });
  });

  test('a flipped body byte fails', async () => {
    for (let at = 0; at < signed.body.byteLength; at += 7) {
      await expect(verifyTwilio({ ...signed, body: flip(signed.body, at) }, { authToken })).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
    }
  });

  test('a JSON body without bodySHA256 cannot be checked', async () => {
    const url = signed.url.replace(/\?.*$/, '');
    await expect(verifyTwilio({ ...signed, url }, { authToken })).resolves.toMatchObject({ ok: false, code: 'malformed_request' });
  });
});

describe('the HMAC-SHA256 variant (X-Twilio-Webhooks-Signature-Settings)', () => {
  const sharedKey = { id: 'webhooks_shared_key_01', secret: 'shared-secret' };
  const signed = signTwilio({ authToken: 'tok', sharedKey, url: 'https://hooks.example.com/t', params: { A: '1' } });

  test('verifies with the SharedKey secret', async () => {
    await expect(verifyTwilio(signed, { authToken: 'tok', sharedKeySecret: sharedKey.secret })).resolves.toMatchObject({ ok: true });
  });

  test('is refused without it, or with another', async () => {
    await expect(verifyTwilio(signed, { authToken: 'tok' })).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
    await expect(verifyTwilio(signed, { authToken: 'tok', sharedKeySecret: 'other' })).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
  });

  test('an Auth Token SHA-1 signature with the header added fails', async () => {
    const sha1 = signTwilio({ authToken: 'tok', url: 'https://hooks.example.com/t', params: { A: '1' } });
    const request = { ...sha1, headers: { ...sha1.headers, 'x-twilio-webhooks-signature-settings': 'key=k,algorithm=HMAC_SHA256' } };
    await expect(verifyTwilio(request, { authToken: 'tok', sharedKeySecret: 'tok' })).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
  });

  test('an unknown algorithm is malformed', async () => {
    const request = { ...signed, headers: { ...signed.headers, 'x-twilio-webhooks-signature-settings': 'key=k,algorithm=HMAC_MD5' } };
    await expect(verifyTwilio(request, { authToken: 'tok', sharedKeySecret: sharedKey.secret })).resolves.toMatchObject({ ok: false, code: 'malformed_request' });
  });
});

describe('URLs as Twilio signs them', () => {
  const authToken = 'tok';

  test('signed with :443, received without, and the reverse', async () => {
    const withPort = signTwilio({ authToken, url: 'https://hooks.example.com:443/t?x=1', params: { A: '1' } });
    await expect(verifyTwilio({ ...withPort, url: 'https://hooks.example.com/t?x=1' }, { authToken })).resolves.toMatchObject({ ok: true });
    const without = signTwilio({ authToken, url: 'https://hooks.example.com/t?x=1', params: { A: '1' } });
    await expect(verifyTwilio({ ...without, url: 'https://hooks.example.com:443/t?x=1' }, { authToken })).resolves.toMatchObject({ ok: true });
  });

  test('the query string in the legacy encoding (Twilio signed %20 where the server sees +)', async () => {
    const signed = signTwilio({ authToken, url: 'https://hooks.example.com/t?name=a%20b&x=1', params: { A: '1' } });
    await expect(verifyTwilio({ ...signed, url: 'https://hooks.example.com/t?name=a+b&x=1' }, { authToken })).resolves.toMatchObject({ ok: true });
    await expect(verifyTwilio({ ...signed, url: 'https://hooks.example.com/t?name=a+c&x=1' }, { authToken })).resolves.toMatchObject({ ok: false });
  });

  test('another port is not the default port', async () => {
    const signed = signTwilio({ authToken, url: 'https://hooks.example.com:8443/t', params: { A: '1' } });
    await expect(verifyTwilio({ ...signed, url: 'https://hooks.example.com/t' }, { authToken })).resolves.toMatchObject({ ok: false });
  });

  test('publicUrl replaces the origin a proxy hides; path and query stay', async () => {
    const signed = signTwilio({ authToken, url: 'https://hooks.example.com/t?x=1', json: '{}', receivedUrl: 'http://10.0.0.5:3000/t' });
    expect(signed.url).toMatch(/^http:\/\/10\.0\.0\.5:3000\/t\?x=1&bodySHA256=/);
    await expect(verifyTwilio(signed, { authToken })).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
    await expect(verifyTwilio(signed, { authToken, publicUrl: 'https://hooks.example.com' })).resolves.toMatchObject({ ok: true });
    await expect(verifyTwilio(signed, { authToken, publicUrl: (r) => r.url.replace('http://10.0.0.5:3000', 'https://hooks.example.com') })).resolves.toMatchObject({ ok: true });
  });

  test('a publicUrl with a path replaces a path the proxy rewrote; the query stays the request\'s', async () => {
    const signed = signTwilio({ authToken, url: 'https://hooks.example.com/twilio/status', json: '{}' });
    const behindProxy = { ...signed, url: signed.url.replace('https://hooks.example.com/twilio/status', 'http://127.0.0.1:8080/status') };
    await expect(verifyTwilio(behindProxy, { authToken, publicUrl: 'https://hooks.example.com' })).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
    await expect(verifyTwilio(behindProxy, { authToken, publicUrl: 'https://hooks.example.com/twilio/status' })).resolves.toMatchObject({ ok: true });
    await expect(verifyTwilio(behindProxy, { authToken, publicUrl: 'https://hooks.example.com/twilio/other' })).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
  });
});

describe('replay', () => {
  const authToken = 'tok';
  const signed = signTwilio({ authToken, url: 'https://hooks.example.com/t', params: { A: '1' } });

  test('inside the window is refused; after it, accepted', async () => {
    let now = 1_000_000;
    const replayCache = createMemoryReplayCache({ now: () => now });
    await expect(verifyTwilio(signed, { authToken, replayCache })).resolves.toMatchObject({ ok: true });
    now += 299_999;
    await expect(verifyTwilio(signed, { authToken, replayCache })).resolves.toMatchObject({ ok: false, code: 'replayed' });
    now += 2;
    await expect(verifyTwilio(signed, { authToken, replayCache })).resolves.toMatchObject({ ok: true });
  });
});

describe('misuse', () => {
  test.each([
    [{}, 'authToken'],
    [{ authToken: '' }, 'authToken'],
    [{ authToken: 42 }, 'authToken'],
    [{ authToken: 'x', publicUrl: 'https://h.example.com/path?q=1' }, 'publicUrl'],
    [{ authToken: 'x', publicUrl: 'ftp://h.example.com/' }, 'publicUrl'],
    [{ authToken: 'x', publicUrl: 'not a url' }, 'publicUrl'],
    [{ authToken: 'x', toleranceMs: -1 }, 'toleranceMs'],
    [{ authToken: 'x', replayCache: {} }, 'replayCache'],
    [{ authToken: 'x', sharedKeySecret: '' }, 'sharedKeySecret'],
  ])('%p throws invalid_argument naming %s, synchronously', (options, name) => {
    let thrown: unknown;
    try {
      void verifyTwilio(signTwilio({ authToken: 'x', url: 'https://h.example.com/' }), options as never);
    } catch (e) {
      thrown = e;
    }
    expect(isLifecycleError(thrown) && thrown.code === 'invalid_argument' && thrown.message.includes(name)).toBe(true);
  });

  test('a request without a byte body throws', () => {
    expect(() => verifyTwilio({ method: 'POST', url: 'https://h.example.com/', headers: {}, body: 'text' } as never, { authToken: 'x' })).toThrow(/request must be/);
  });
});

describe('SharedKey rotation: secrets by key id', () => {
  const url = 'https://hooks.example.com/t';
  const oldKey = { id: 'webhooks_shared_key_old', secret: 'old-secret' };
  const newKey = { id: 'webhooks_shared_key_new', secret: 'new-secret' };
  const sharedKeySecret = { [oldKey.id]: oldKey.secret, [newKey.id]: newKey.secret };

  test('each request is checked with the secret its key id names', async () => {
    for (const key of [oldKey, newKey]) {
      const signed = signTwilio({ authToken: 'tok', sharedKey: key, url, params: { A: '1' } });
      await expect(verifyTwilio(signed, { authToken: 'tok', sharedKeySecret })).resolves.toMatchObject({ ok: true });
    }
  });

  test("a key id with another key's secret, or an unknown id, fails", async () => {
    const swapped = signTwilio({ authToken: 'tok', sharedKey: { id: newKey.id, secret: oldKey.secret }, url, params: { A: '1' } });
    await expect(verifyTwilio(swapped, { authToken: 'tok', sharedKeySecret })).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
    const unknown = signTwilio({ authToken: 'tok', sharedKey: { id: 'webhooks_shared_key_x', secret: oldKey.secret }, url, params: { A: '1' } });
    await expect(verifyTwilio(unknown, { authToken: 'tok', sharedKeySecret })).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
    const proto = signTwilio({ authToken: 'tok', sharedKey: { id: '__proto__', secret: 'x' }, url, params: { A: '1' } });
    await expect(verifyTwilio(proto, { authToken: 'tok', sharedKeySecret })).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
  });

  test('an empty map or a non-string secret throws invalid_argument', () => {
    for (const bad of [{}, { k: '' }, { k: 'ok', j: 5 }, ['s']]) {
      expect(() => verifyTwilio(signTwilio({ authToken: 'tok', url }), { authToken: 'tok', sharedKeySecret: bad as never })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    }
  });
});
