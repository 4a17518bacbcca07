/**
 * verifySns's default certificate fetch and subscription confirmation, with
 * the global fetch replaced (no network): what they ask for, and what they
 * refuse.
 */
import { verifySns } from '../../src/webhooks';
import { signSns, snsSigner } from '../support/webhooks';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:sms-events';
const at = Math.floor(Date.now() / 1000) * 1000 + 60_000;
const now = () => at;
let certN = 0;
/** A fresh certificate URL per test: the default fetcher's cache is per process. */
const certUrl = () => `https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-test${++certN}.pem`;

afterEach(() => jest.restoreAllMocks());

function streamOf(text: string, chunk = 4096): ReadableStream<Uint8Array> {
  const bytes = Buffer.from(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(new Uint8Array(bytes.subarray(offset, offset + chunk)));
      offset += chunk;
    },
  });
}

test('fetches the certificate once with no redirects and a timeout, and verifies', async () => {
  const pem = snsSigner().certificatePem;
  const fetchSpy = jest.spyOn(globalThis, 'fetch').mockImplementation(async () => new Response(streamOf(pem), { status: 200 }));
  const url = certUrl();
  const request = signSns({ topicArn: TOPIC, timestamp: new Date(at).toISOString(), message: '{}', signingCertUrl: url, signatureVersion: '2' });
  await expect(verifySns(request, { topicArns: [TOPIC], now })).resolves.toMatchObject({ ok: true });
  await expect(verifySns(request, { topicArns: [TOPIC], now })).resolves.toMatchObject({ ok: true });
  expect(fetchSpy).toHaveBeenCalledTimes(1);
  const [calledUrl, init] = fetchSpy.mock.calls[0] as [string, RequestInit];
  expect(calledUrl).toBe(url);
  expect(init.redirect).toBe('error');
  expect(init.signal).toBeInstanceOf(AbortSignal);
});

test('a certificate response over 64 KiB is refused, whether announced or streamed', async () => {
  const big = `${snsSigner().certificatePem}${'x'.repeat(70 * 1024)}`;
  for (const announce of [true, false]) {
    jest.spyOn(globalThis, 'fetch').mockImplementation(async () => new Response(streamOf(big), { status: 200, headers: announce ? { 'content-length': String(big.length) } : {} }));
    const request = signSns({ topicArn: TOPIC, timestamp: new Date(at).toISOString(), message: '{}', signingCertUrl: certUrl() });
    await expect(verifySns(request, { topicArns: [TOPIC], now })).resolves.toMatchObject({ ok: false, code: 'untrusted_certificate' });
    jest.restoreAllMocks();
  }
});

test('a non-2xx certificate answer (even one carrying a PEM) or a network error is untrusted', async () => {
  const pem = snsSigner().certificatePem;
  for (const answer of [async () => new Response(pem, { status: 404 }), async () => Promise.reject(new TypeError('fetch failed'))]) {
    jest.spyOn(globalThis, 'fetch').mockImplementation(answer);
    const request = signSns({ topicArn: TOPIC, timestamp: new Date(at).toISOString(), message: '{}', signingCertUrl: certUrl() });
    await expect(verifySns(request, { topicArns: [TOPIC], now })).resolves.toMatchObject({ ok: false, code: 'untrusted_certificate' });
    jest.restoreAllMocks();
  }
});

test('the default confirmation GETs SubscribeURL and reports the answer', async () => {
  const pem = snsSigner().certificatePem;
  for (const [status, confirmed] of [[200, true], [403, false]] as const) {
    const fetchSpy = jest.spyOn(globalThis, 'fetch').mockImplementation(async (input) =>
      String(input).endsWith('.pem') ? new Response(pem) : new Response('<ConfirmSubscriptionResponse/>', { status }),
    );
    const request = signSns({ type: 'SubscriptionConfirmation', topicArn: TOPIC, timestamp: new Date(at).toISOString(), message: 'confirm', signingCertUrl: certUrl() });
    await expect(verifySns(request, { topicArns: [TOPIC], now })).resolves.toMatchObject({ ok: true, sns: { type: 'SubscriptionConfirmation', confirmed } });
    const confirmCall = fetchSpy.mock.calls.find(([u]) => !String(u).endsWith('.pem')) as [string, RequestInit];
    expect(confirmCall[0]).toMatch(/^https:\/\/sns\.us-east-1\.amazonaws\.com\/\?Action=ConfirmSubscription&TopicArn=arn:aws:sns:eu-west-1/);
    expect(confirmCall[1].redirect).toBe('error');
    jest.restoreAllMocks();
  }
});
