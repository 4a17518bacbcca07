/**
 * The contract every verifier shares: no failure message and no thrown
 * error ever contains a secret or the request's signature; the dispatch map
 * covers every provider.
 */
import fc from 'fast-check';

import { VERIFIERS, verifyWebhook } from '../../src/webhooks';
import type { VerifyResult, WebhookProvider, WebhookRequest } from '../../src/webhooks';
import { signMailgun, signSns, signTwilio, signVonageMessages, signVonageSms, snsSigner, withBasicAuth } from '../support/webhooks';

const ts = 1_764_547_200;
const now = () => ts * 1000;
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:t';

/** A secret long and varied enough that finding it in a fixed English message would be no accident. */
const secret = fc.string({ minLength: 10, maxLength: 40, unit: 'grapheme-ascii' }).filter((s) => new Set(s).size >= 4 && s.trim() === s);

interface Case {
  readonly provider: WebhookProvider;
  /** The option that holds the secret. */
  readonly secretKey: string;
  /** The request signed with `signWith`, and the options carrying `verifyWith`. */
  make(signWith: string, verifyWith: string): { request: WebhookRequest; options: Record<string, unknown>; signature: string };
}

const cases: readonly Case[] = [
  {
    provider: 'twilio',
    secretKey: 'authToken',
    make: (a, b) => {
      const request = signTwilio({ authToken: a, url: 'https://h.example.com/t', params: { MessageSid: 'SM1', MessageStatus: 'sent' } });
      return { request, options: { authToken: b, sharedKeySecret: `${b}-shared` }, signature: request.headers['x-twilio-signature']! };
    },
  },
  {
    provider: 'mailgun',
    secretKey: 'signingKey',
    make: (a, b) => {
      const request = signMailgun({ signingKey: a, timestampSeconds: ts, token: 'tok-1' });
      return { request, options: { signingKey: b, now }, signature: JSON.parse(Buffer.from(request.body).toString()).signature.signature };
    },
  },
  {
    provider: 'postmark',
    secretKey: 'password',
    make: (a, b) => ({ request: withBasicAuth(`u${a}`, a), options: { username: `u${b}`, password: b }, signature: a }),
  },
  {
    provider: 'infobip',
    secretKey: 'password',
    make: (a, b) => ({ request: withBasicAuth('user', a), options: { username: 'user', password: b }, signature: a }),
  },
  {
    provider: 'vonage',
    secretKey: 'signatureSecret',
    make: (a, b) => {
      const request = signVonageSms({ secret: a, params: { messageId: 'm1', status: 'delivered', timestamp: String(ts) }, method: 'sha256' });
      return { request, options: { signatureSecret: b, signatureMethod: 'sha256', now }, signature: new URL(request.url).searchParams.get('sig')! };
    },
  },
  {
    provider: 'vonage',
    secretKey: 'signatureSecret',
    make: (a, b) => {
      const request = signVonageMessages({ secret: a, body: '{"status":"delivered"}', iatSeconds: ts });
      return { request, options: { signatureSecret: b, now }, signature: request.headers.authorization!.split('.')[2] };
    },
  },
];

function leaks(result: VerifyResult | unknown, needles: readonly string[]): string[] {
  const text = result instanceof Error ? `${result.message} ${String(result.stack)} ${JSON.stringify(result)}` : JSON.stringify(result);
  return needles.filter((n) => text.includes(n));
}

describe('no secret and no signature in any failure', () => {
  test.each(cases.map((c, i) => [`${c.provider}#${i}`, c] as const))('%s: wrong secret, tampered body, bad options', async (_name, c) => {
    await fc.assert(
      fc.asyncProperty(secret, secret, async (a, b) => {
        fc.pre(a !== b);
        const { request, options, signature } = c.make(a, b);
        const wrong = await verifyWebhook(c.provider, request, options as never);
        expect(wrong.ok).toBe(false);
        // Nor the signature that would have been right for the verifier's secret (an oracle for forgery).
        const valid = c.make(b, b).signature;
        expect(leaks(wrong, [a, b, signature, valid])).toEqual([]);

        const right = c.make(a, a);
        const body = new Uint8Array(right.request.body);
        if (body.length > 0) body[body.length - 2] ^= 1;
        const tampered = await verifyWebhook(c.provider, { ...right.request, body, url: `${right.request.url}&x=1` }, right.options as never);
        expect(leaks(tampered, [a, right.signature])).toEqual([]);

        let thrown: unknown;
        try {
          // Postmark and Infobip take no tolerance: a wrong username type instead, the password (a secret) present.
          const basic = c.provider === 'postmark' || c.provider === 'infobip';
          void verifyWebhook(c.provider, request, { ...options, ...(basic ? { username: 5 } : { toleranceMs: -1 }) } as never);
        } catch (e) {
          thrown = e;
        }
        expect(thrown).toBeInstanceOf(Error);
        expect(leaks(thrown, [a, b])).toEqual([]);

        // The secret of the wrong type (in an array, boxed) is not echoed either.
        for (const wrapped of [[b], { value: b }, new String(b)]) {
          let misuse: unknown;
          try {
            void verifyWebhook(c.provider, request, { ...options, [c.secretKey]: wrapped } as never);
          } catch (e) {
            misuse = e;
          }
          expect(misuse).toBeInstanceOf(Error);
          expect(leaks(misuse, [b])).toEqual([]);
        }
      }),
      { numRuns: 60 },
    );
  });

  test('sns and sendgrid: the signature never appears in a failure', async () => {
    const request = signSns({ topicArn: TOPIC, timestamp: new Date(Date.now()).toISOString(), message: 'x' });
    const signature = JSON.parse(Buffer.from(request.body).toString()).Signature as string;
    const results = [
      await verifyWebhook('ses', request, { topicArns: ['arn:aws:sns:us-east-1:1:other'] }),
      await verifyWebhook('aws-sms', request, { topicArns: [TOPIC], fetchCertificate: async () => 'junk' }),
      await verifyWebhook('ses', request, { topicArns: [TOPIC], fetchCertificate: async () => snsSigner().certificatePem, now: () => 0 }),
    ];
    for (const result of results) {
      expect(result.ok).toBe(false);
      expect(leaks(result, [signature, signature.slice(0, 20)])).toEqual([]);
    }
  });
});

describe('dispatch', () => {
  test('every provider has a verifier; ses and aws-sms are both SNS', () => {
    const providers: WebhookProvider[] = ['twilio', 'sendgrid', 'mailgun', 'postmark', 'ses', 'aws-sms', 'vonage', 'infobip'];
    expect(Object.keys(VERIFIERS).sort()).toEqual([...providers].sort());
    expect(VERIFIERS.ses).toBe(VERIFIERS['aws-sms']);
    expect(new Set(Object.values(VERIFIERS)).size).toBe(7);
    expect(Object.isFrozen(VERIFIERS)).toBe(true);
  });

  test.each(['nexmo', '__proto__', 'constructor', 'toString', 42])('an unknown provider %p throws invalid_argument', (provider) => {
    expect(() => verifyWebhook(provider as never, withBasicAuth('a', 'b'), { username: 'a', password: 'b' } as never)).toThrow(
      expect.objectContaining({ code: 'invalid_argument' }),
    );
  });

  test('verifyWebhook reaches the provider verifier', async () => {
    await expect(verifyWebhook('postmark', withBasicAuth('a', 'b'), { username: 'a', password: 'b' })).resolves.toEqual({ ok: true });
    await expect(verifyWebhook('infobip', withBasicAuth('a', 'b'), { username: 'a', password: 'c' })).resolves.toMatchObject({ ok: false });
  });
});
