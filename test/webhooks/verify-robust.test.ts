/**
 * Whatever arrives, a verifier resolves a refusal with one of the documented
 * codes: it never throws, never rejects, never accepts. Random headers (the
 * providers' own names with junk values among them), bodies, URLs.
 */
import fc from 'fast-check';

import { verifyWebhook } from '../../src/webhooks';
import type { VerifyCode, WebhookProvider, WebhookRequest } from '../../src/webhooks';
import { snsSigner } from '../support/webhooks';

const CODES: readonly VerifyCode[] = ['missing_signature', 'bad_signature', 'stale_timestamp', 'replayed', 'untrusted_certificate', 'malformed_request'];

const OPTIONS: Readonly<Record<WebhookProvider, unknown>> = {
  twilio: { authToken: 'tok', sharedKeySecret: 'shared' },
  sendgrid: { publicKey: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA==', now: () => 1588788367_000 },
  mailgun: { signingKey: 'k' },
  postmark: { username: 'u', password: 'p' },
  ses: { topicArns: ['arn:aws:sns:us-east-1:1:t'], fetchCertificate: async () => snsSigner().certificatePem, confirmSubscription: async () => true },
  'aws-sms': { topicArns: ['arn:aws:sns:us-east-1:1:t'], fetchCertificate: async () => 'junk' },
  vonage: { signatureSecret: 's', signatureMethod: 'sha256' },
  infobip: { username: 'u', password: 'p' },
};

const HEADER_NAMES = [
  'content-type', 'authorization', 'x-twilio-signature', 'x-twilio-webhooks-signature-settings', 'x-twilio-email-event-webhook-signature',
  'x-twilio-email-event-webhook-timestamp', 'x-amz-sns-message-type', '__proto__', 'constructor',
];

const headerValue = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain', 'Basic dTpx', 'Bearer a.b.c', 'Basic ', 'key=k,algorithm=HMAC_SHA256', '1588788367', 'Notification'),
  fc.base64String({ maxLength: 120 }),
);

const json = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.record({ Type: fc.constantFrom('Notification', 'SubscriptionConfirmation', 'Other'), Signature: fc.base64String(), SignatureVersion: fc.constantFrom('1', '2', '3'), SigningCertURL: fc.constantFrom('https://sns.us-east-1.amazonaws.com/a.pem', 'https://evil.example/a.pem'), TopicArn: fc.constantFrom('arn:aws:sns:us-east-1:1:t', 'x'), Message: fc.string(), MessageId: fc.string(), Timestamp: fc.constantFrom(new Date().toISOString(), 'x'), Token: fc.string(), SubscribeURL: fc.string() }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.record({ signature: fc.record({ timestamp: fc.oneof(fc.string(), fc.integer()), token: fc.oneof(fc.string(), fc.constant(null)), signature: fc.stringMatching(/^[0-9a-f]{0,64}$/) }, { requiredKeys: [] }) }).map((v) => JSON.stringify(v)),
);

const body = fc.oneof(fc.uint8Array({ maxLength: 300 }), json.map((s) => new Uint8Array(Buffer.from(s))), fc.string({ maxLength: 200 }).map((s) => new Uint8Array(Buffer.from(s))));

const request: fc.Arbitrary<WebhookRequest> = fc.record({
  method: fc.constantFrom('POST', 'GET', 'PUT', ''),
  url: fc.oneof(fc.webUrl({ withQueryParameters: true }), fc.string({ maxLength: 40 }), fc.constantFrom('https://h.example.com/t?bodySHA256=00', 'https://h.example.com/v?sig=ab&timestamp=1', '/relative?x=1')),
  headers: fc.dictionary(fc.constantFrom(...HEADER_NAMES), headerValue, { maxKeys: 6 }),
  body,
});

test.each(Object.keys(OPTIONS) as WebhookProvider[])('%s resolves a documented refusal for any request', async (provider) => {
  await fc.assert(
    fc.asyncProperty(request, async (req) => {
      const result = await verifyWebhook(provider, req, OPTIONS[provider] as never);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(CODES).toContain(result.code);
        expect(typeof result.message).toBe('string');
      }
    }),
    { numRuns: 300 },
  );
});
