import { generateKeyPairSync } from 'node:crypto';

import { isLifecycleError } from '../../src/errors';
import { createMemoryReplayCache, isSnsUrl, verifySns } from '../../src/webhooks';
import type { SnsVerifyOptions, WebhookRequest } from '../../src/webhooks';
import { signSns, snsEnvelope, snsSigner, type SnsEnvelopeOptions } from '../support/webhooks';

const enc = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:ses-events';
const CERT_URL = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem';
// The generated certificate is valid from the moment it is made for 2 days:
// messages are timed a minute after the test starts.
const at = Math.floor(Date.now() / 1000) * 1000 + 60_000;
const base: SnsEnvelopeOptions = { topicArn: TOPIC, timestamp: new Date(at).toISOString(), message: JSON.stringify({ eventType: 'Delivery', mail: { messageId: 'ses-1' } }), subject: 'Amazon SES Email Event Notification' };

function setup(extra: Partial<SnsVerifyOptions> = {}) {
  const signer = snsSigner();
  const fetchCertificate = jest.fn(async (_url: string) => signer.certificatePem);
  const confirmSubscription = jest.fn(async (_url: string) => true);
  const options: SnsVerifyOptions = { topicArns: [TOPIC], fetchCertificate, confirmSubscription, now: () => at, ...extra };
  return { fetchCertificate, confirmSubscription, options };
}

function edit(request: WebhookRequest, change: (m: Record<string, string>) => void): WebhookRequest {
  const m = JSON.parse(Buffer.from(request.body).toString('utf8'));
  change(m);
  return { ...request, body: enc(JSON.stringify(m)) };
}

describe.each(['1', '2'] as const)('SignatureVersion %s', (signatureVersion) => {
  test.each(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'] as const)('a %s verifies', async (type) => {
    const { options, fetchCertificate, confirmSubscription } = setup();
    const request = signSns({ ...base, type, signatureVersion, subject: type === 'Notification' ? base.subject : undefined });
    const result = await verifySns(request, options);
    expect(result).toMatchObject({ ok: true, sns: { type, message: base.message }, replay: { key: 'sns:165545c9-2a5c-472c-8df2-7ff2be2b3b1b' } });
    expect(fetchCertificate).toHaveBeenCalledWith(CERT_URL);
    if (type === 'SubscriptionConfirmation') {
      expect(confirmSubscription).toHaveBeenCalledTimes(1);
      expect(confirmSubscription.mock.calls[0][0]).toMatch(/^https:\/\/sns\.us-east-1\.amazonaws\.com\/\?Action=ConfirmSubscription/);
      expect(result).toMatchObject({ sns: { confirmed: true } });
    } else {
      expect(confirmSubscription).not.toHaveBeenCalled();
    }
  });

  test('a Notification without Subject verifies', async () => {
    const { options } = setup();
    await expect(verifySns(signSns({ ...base, subject: undefined, signatureVersion }), options)).resolves.toMatchObject({ ok: true });
  });

  test('a flipped byte in Message, MessageId, Subject, Timestamp, TopicArn or Signature fails', async () => {
    const { options } = setup({ topicArns: [TOPIC, 'arn:aws:sns:us-east-1:123456789012:ses-eventr'], toleranceMs: 1e12 });
    const request = signSns({ ...base, signatureVersion });
    for (const field of ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Signature']) {
      const value = (JSON.parse(Buffer.from(request.body).toString('utf8')) as Record<string, string>)[field];
      for (const pos of [0, Math.floor(value.length / 2), value.length - 2]) {
        const changed = value.slice(0, pos) + String.fromCharCode(value.charCodeAt(pos) ^ 1) + value.slice(pos + 1);
        const result = await verifySns(edit(request, (m) => void (m[field] = changed)), options);
        expect({ field, pos, ok: result.ok }).toEqual({ field, pos, ok: false });
      }
    }
  });
});

describe('the signing version is what the signer used', () => {
  test('a version 1 signature claimed as version 2 fails', async () => {
    const { options } = setup();
    const request = edit(signSns({ ...base, signatureVersion: '1' }), (m) => void (m.SignatureVersion = '2'));
    await expect(verifySns(request, options)).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
  });

  test('an unknown version is malformed', async () => {
    const { options } = setup();
    await expect(verifySns(edit(signSns(base), (m) => void (m.SignatureVersion = '3')), options)).resolves.toMatchObject({ ok: false, code: 'malformed_request' });
  });
});

describe('certificate host rule', () => {
  test.each([
    'http://sns.us-east-1.amazonaws.com/cert.pem',
    'https://sns.us-east-1.amazonaws.com.evil.example/cert.pem',
    'https://evil.example/sns.us-east-1.amazonaws.com/cert.pem',
    'https://sns.us-east-1.amazonaws.com:8443/cert.pem',
    'https://user@sns.us-east-1.amazonaws.com/cert.pem',
    'https://sns.us-east-1.amazonaws.com/cert.txt',
    'https://s3.amazonaws.com/sns/cert.pem',
    'https://sns.amazonaws.com/cert.pem',
    'https://evilsns.us-east-1.amazonaws.com/cert.pem',
    'https://sns.us-east-1.amazonaws.com@evil.example/cert.pem',
    'file:///etc/ssl/cert.pem',
    'not a url',
  ])('%s is never fetched', async (signingCertUrl) => {
    const { options, fetchCertificate } = setup();
    const result = await verifySns(signSns({ ...base, signingCertUrl }), options);
    expect(result).toMatchObject({ ok: false, code: 'untrusted_certificate' });
    expect(fetchCertificate).not.toHaveBeenCalled();
  });

  test.each(['https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc.pem', 'https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-abc.pem', 'https://SNS.US-EAST-1.AMAZONAWS.COM/x.pem'])(
    '%s is fetched',
    async (signingCertUrl) => {
      const { options, fetchCertificate } = setup();
      await expect(verifySns(signSns({ ...base, signingCertUrl }), options)).resolves.toMatchObject({ ok: true });
      expect(fetchCertificate).toHaveBeenCalledTimes(1);
    },
  );

  test('isSnsUrl', () => {
    expect(isSnsUrl('https://sns.ap-south-1.amazonaws.com/?Action=ConfirmSubscription', false)).toBe(true);
    expect(isSnsUrl('https://sns.ap-south-1.amazonaws.com/?Action=ConfirmSubscription', true)).toBe(false);
    expect(isSnsUrl(42, false)).toBe(false);
  });
});

describe('topic allow-list', () => {
  test('another topic is refused before anything is fetched or confirmed', async () => {
    const { options, fetchCertificate, confirmSubscription } = setup();
    for (const type of ['Notification', 'SubscriptionConfirmation'] as const) {
      const result = await verifySns(signSns({ ...base, type, topicArn: 'arn:aws:sns:us-east-1:999999999999:other' }), options);
      expect(result).toMatchObject({ ok: false, code: 'untrusted_certificate' });
    }
    expect(fetchCertificate).not.toHaveBeenCalled();
    expect(confirmSubscription).not.toHaveBeenCalled();
  });
});

describe('subscription confirmation', () => {
  test('a signed SubscribeURL on another host is refused and not visited', async () => {
    const { options, confirmSubscription } = setup();
    const request = signSns({ ...base, type: 'SubscriptionConfirmation', subscribeUrl: 'https://evil.example/?Action=ConfirmSubscription' });
    await expect(verifySns(request, options)).resolves.toMatchObject({ ok: false, code: 'untrusted_certificate' });
    expect(confirmSubscription).not.toHaveBeenCalled();
  });

  test('a failed confirmation is reported, not thrown', async () => {
    const { options } = setup({ confirmSubscription: async () => Promise.reject(new Error('down')) });
    await expect(verifySns(signSns({ ...base, type: 'SubscriptionConfirmation' }), options)).resolves.toMatchObject({ ok: true, sns: { confirmed: false } });
  });

  test('a forged confirmation is not visited', async () => {
    const { options, confirmSubscription } = setup();
    const request = edit(signSns({ ...base, type: 'SubscriptionConfirmation' }), (m) => void (m.SubscribeURL += '&x=1'));
    await expect(verifySns(request, options)).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
    expect(confirmSubscription).not.toHaveBeenCalled();
  });
});

describe('certificates', () => {
  test('are cached per fetch function', async () => {
    const { options, fetchCertificate } = setup();
    await verifySns(signSns(base), options);
    await verifySns(signSns({ ...base, messageId: 'other-id' }), options);
    expect(fetchCertificate).toHaveBeenCalledTimes(1);
  });

  test('a failing fetch is untrusted and not cached', async () => {
    const signer = snsSigner();
    let fail = true;
    const fetchCertificate = jest.fn(async () => {
      if (fail) throw new Error('timeout');
      return signer.certificatePem;
    });
    const options = { topicArns: [TOPIC], fetchCertificate, now: () => at };
    await expect(verifySns(signSns(base), options)).resolves.toMatchObject({ ok: false, code: 'untrusted_certificate' });
    fail = false;
    await expect(verifySns(signSns(base), options)).resolves.toMatchObject({ ok: true });
    expect(fetchCertificate).toHaveBeenCalledTimes(2);
  });

  test('not a certificate, or another key', async () => {
    const junk = { topicArns: [TOPIC], fetchCertificate: async () => 'hello', now: () => at };
    await expect(verifySns(signSns(base), junk)).resolves.toMatchObject({ ok: false, code: 'untrusted_certificate' });
    const other = { topicArns: [TOPIC], fetchCertificate: async () => snsSigner().certificatePem, now: () => at };
    const forged = signSns(base, { privateKeyPem: String(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' })), certificatePem: '' });
    await expect(verifySns(forged, other)).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
  });

  test('an expired certificate is untrusted', async () => {
    const later = at + 3 * 86_400_000;
    const { options } = setup({ now: () => later });
    await expect(verifySns(signSns({ ...base, timestamp: new Date(later).toISOString() }), options)).resolves.toMatchObject({ ok: false, code: 'untrusted_certificate' });
  });
});

describe('timestamp window and replay', () => {
  test('edge: exactly the tolerance passes, 1 ms more is stale (and nothing is fetched)', async () => {
    const request = signSns(base);
    const ok = setup({ now: () => at + 300_000 });
    await expect(verifySns(request, ok.options)).resolves.toMatchObject({ ok: true });
    const stale = setup({ now: () => at + 300_001 });
    await expect(verifySns(request, stale.options)).resolves.toMatchObject({ ok: false, code: 'stale_timestamp' });
    expect(stale.fetchCertificate).not.toHaveBeenCalled();
  });

  test('the same MessageId inside the window is replayed', async () => {
    let clock = at;
    const replayCache = createMemoryReplayCache({ now: () => clock });
    const { options } = setup({ replayCache, now: () => clock });
    const request = signSns(base);
    await expect(verifySns(request, options)).resolves.toMatchObject({ ok: true });
    clock += 1000;
    await expect(verifySns(request, options)).resolves.toMatchObject({ ok: false, code: 'replayed' });
  });
});

describe('malformed requests', () => {
  test.each([
    ['not JSON', 'nope'],
    ['an array', '[]'],
    ['an unknown Type', JSON.stringify({ ...snsEnvelope(base), Type: 'Other' })],
    ['no Message', JSON.stringify({ ...snsEnvelope(base), Message: undefined })],
    ['a bad Timestamp', JSON.stringify({ ...snsEnvelope(base), Timestamp: 'yesterday' })],
  ])('%s', async (_name, body) => {
    const { options } = setup();
    const request = { ...signSns(base), headers: { 'content-type': 'text/plain' }, body: enc(body) };
    await expect(verifySns(request, options)).resolves.toMatchObject({ ok: false, code: 'malformed_request' });
  });

  test('no Signature', async () => {
    const { options } = setup();
    await expect(verifySns(edit(signSns(base), (m) => void delete (m as Record<string, unknown>).Signature), options)).resolves.toMatchObject({ ok: false, code: 'missing_signature' });
  });

  test('the message type header must agree with the body', async () => {
    const { options } = setup();
    const request = signSns(base);
    await expect(verifySns({ ...request, headers: { ...request.headers, 'x-amz-sns-message-type': 'SubscriptionConfirmation' } }, options)).resolves.toMatchObject({ ok: false, code: 'malformed_request' });
  });

  test('bad options throw invalid_argument', () => {
    for (const bad of [{}, { topicArns: [] }, { topicArns: ['not-an-arn'] }, { topicArns: [TOPIC], fetchCertificate: 'x' }, { topicArns: [TOPIC], confirmSubscription: 1 }]) {
      let thrown: unknown;
      try {
        void verifySns(signSns(base), bad as never);
      } catch (e) {
        thrown = e;
      }
      expect(isLifecycleError(thrown) && thrown.code === 'invalid_argument').toBe(true);
    }
  });
});
