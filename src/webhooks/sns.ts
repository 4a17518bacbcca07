import { verify as cryptoVerify, X509Certificate } from 'node:crypto';

import { LifecycleError } from '../errors';
import { bodyJson, checkRequest, checkWindow, commonOptions, fail, header, isPlainObject, optionsObject, own, strictBase64, succeed } from './internal/kit';
import type { CommonVerifyOptions, VerifyOk, VerifyResult, WebhookRequest } from './types';

/** Options of {@link verifySns} (providers `ses` and `aws-sms`). */
export interface SnsVerifyOptions extends CommonVerifyOptions {
  /** The topics this endpoint accepts messages from; a message from any other topic is refused. At least one. */
  readonly topicArns: readonly string[];
  /**
   * Fetches a signing certificate (PEM text). Called only with an `https`
   * URL on an `sns.<region>.amazonaws.com` (or `.amazonaws.com.cn`) host
   * whose path ends in `.pem`; results are cached per function. Default:
   * the global `fetch`, 5 s timeout, no redirects, at most 64 KiB.
   */
  readonly fetchCertificate?: (url: string) => Promise<string>;
  /**
   * Visits a verified SubscriptionConfirmation's `SubscribeURL` (same host
   * rule) for an allowed topic. Resolving (to anything but `false`) counts as
   * confirmed. Default: a GET through the global `fetch`, 5 s timeout, no
   * redirects, confirmed when the answer is 2xx.
   */
  readonly confirmSubscription?: (url: string) => Promise<unknown>;
}

type SnsType = 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';

const FN = 'verifySns';
const TIMEOUT_MS = 5000;
const MAX_CERTIFICATE_BYTES = 64 * 1024;
const SNS_HOST = /^sns\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?$/;

/** The documented keys of the string to sign, in order, per message type. */
const SIGNED_KEYS: Readonly<Record<SnsType, readonly string[]>> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

/**
 * True for an `https` URL on Amazon SNS's own host
 * (`sns.<region>.amazonaws.com`, or `.amazonaws.com.cn` in the China
 * partition), default port, no credentials; with `certificate`, the path must
 * also end in `.pem`. {@link verifySns} fetches or visits nothing else. Pure.
 *
 * @example
 * isSnsUrl('https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-x.pem', true); // true
 * isSnsUrl('https://sns.eu-west-1.amazonaws.com.evil.example/x.pem', true); // false
 */
export function isSnsUrl(text: unknown, certificate: boolean): boolean {
  if (typeof text !== 'string') return false;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  return (
    url.protocol === 'https:' &&
    url.username === '' &&
    url.password === '' &&
    url.port === '' &&
    SNS_HOST.test(url.hostname) &&
    (!certificate || url.pathname.endsWith('.pem'))
  );
}

async function readBounded(response: Response, max: number): Promise<string> {
  if (Number(response.headers.get('content-length') ?? 0) > max) {
    await response.body?.cancel();
    throw new Error('response too large');
  }
  const reader = response.body?.getReader();
  if (reader === undefined) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw new Error('response too large');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function defaultFetchCertificate(url: string): Promise<string> {
  const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`certificate answered HTTP ${response.status}`);
  }
  return readBounded(response, MAX_CERTIFICATE_BYTES);
}

async function defaultConfirmSubscription(url: string): Promise<boolean> {
  const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS) });
  await response.body?.cancel();
  return response.ok;
}

// Certificates by fetch function, then URL; a failed fetch is not cached.
const certificates = new WeakMap<(url: string) => Promise<string>, Map<string, Promise<X509Certificate>>>();
const MAX_CACHED = 64;

function certificate(fetchCertificate: (url: string) => Promise<string>, url: string): Promise<X509Certificate> {
  let cache = certificates.get(fetchCertificate);
  if (cache === undefined) {
    cache = new Map();
    certificates.set(fetchCertificate, cache);
  }
  const hit = cache.get(url);
  if (hit !== undefined) return hit;
  const loading = Promise.resolve()
    .then(() => fetchCertificate(url))
    .then((pem) => {
      if (typeof pem !== 'string' || pem.length > MAX_CERTIFICATE_BYTES) throw new Error('not a certificate');
      return new X509Certificate(pem);
    });
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
  cache.set(url, loading);
  loading.catch(() => cache.delete(url));
  return loading;
}

/** The documented string to sign: `Name\nValue\n` for each signed key present. */
function stringToSign(type: SnsType, message: Record<string, unknown>): string {
  let out = '';
  for (const key of SIGNED_KEYS[type]) {
    const value = own(message, key);
    if (typeof value === 'string') out += `${key}\n${value}\n`;
  }
  return out;
}

function checkedOptions(options: unknown) {
  const o = optionsObject(options, FN);
  const topicArns = own(o, 'topicArns');
  if (!Array.isArray(topicArns) || topicArns.length === 0 || !topicArns.every((arn) => typeof arn === 'string' && arn.startsWith('arn:'))) {
    throw new LifecycleError('invalid_argument', `${FN}: options.topicArns must be a non-empty array of topic ARNs`);
  }
  const fetchCertificate = own(o, 'fetchCertificate') ?? defaultFetchCertificate;
  if (typeof fetchCertificate !== 'function') throw new LifecycleError('invalid_argument', `${FN}: options.fetchCertificate must be a function`);
  const confirmSubscription = own(o, 'confirmSubscription') ?? defaultConfirmSubscription;
  if (typeof confirmSubscription !== 'function') throw new LifecycleError('invalid_argument', `${FN}: options.confirmSubscription must be a function`);
  return {
    topics: new Set<string>(topicArns as string[]),
    fetchCertificate: fetchCertificate as (url: string) => Promise<string>,
    confirmSubscription: confirmSubscription as (url: string) => Promise<unknown>,
    common: commonOptions(o, FN),
  };
}

/**
 * Verifies an Amazon SNS HTTP(S) message (what SES event publishing and AWS
 * End User Messaging SMS deliver through a topic): SignatureVersion 1
 * (SHA1withRSA) or 2 (SHA256withRSA) over the documented string to sign of a
 * Notification, SubscriptionConfirmation or UnsubscribeConfirmation, with
 * the certificate at `SigningCertURL`. In order it refuses:
 * - a body that is not an SNS envelope: `malformed_request`;
 * - no `Signature`: `missing_signature`;
 * - a `TopicArn` not in `topicArns`: `untrusted_certificate` (nothing is fetched);
 * - a certificate URL that is not `https://sns.<region>.amazonaws.com[.cn]/….pem`:
 *   `untrusted_certificate`, and it is never fetched;
 * - a `Timestamp` outside `toleranceMs`: `stale_timestamp` (SNS keeps the
 *   first attempt's timestamp on retries: raise `toleranceMs` to cover your
 *   delivery policy's retry span);
 * - a certificate that cannot be fetched, read or is expired: `untrusted_certificate`;
 * - a signature that does not verify: `bad_signature`.
 *
 * A verified SubscriptionConfirmation (its topic is allowed) is confirmed by
 * visiting `SubscribeURL` through `confirmSubscription` when that URL obeys
 * the same host rule; `sns.confirmed` says whether that worked. The result's
 * `sns` gives the type and the inner `Message`; only a Notification carries
 * a status. Replay key: `sns:<MessageId>`, kept twice the tolerance.
 *
 * Throws `LifecycleError('invalid_argument')` for bad options or request.
 *
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 * @example
 * const result = await verifySns(request, { topicArns: ['arn:aws:sns:eu-west-1:123456789012:ses-events'] });
 * if (result.ok && result.sns?.type === 'Notification') apply(JSON.parse(result.sns.message));
 */
export function verifySns(request: WebhookRequest, options: SnsVerifyOptions): Promise<VerifyResult> {
  const { topics, fetchCertificate, confirmSubscription, common } = checkedOptions(options);
  const req = checkRequest(request, FN);
  return Promise.resolve().then(async (): Promise<VerifyResult> => {
    const m = bodyJson(req);
    if (!isPlainObject(m)) return fail('malformed_request', 'the body is not an SNS message (a JSON object)');
    const type = own(m, 'Type');
    if (type !== 'Notification' && type !== 'SubscriptionConfirmation' && type !== 'UnsubscribeConfirmation') {
      return fail('malformed_request', 'the SNS message Type is not Notification, SubscriptionConfirmation or UnsubscribeConfirmation');
    }
    const announced = header(req, 'x-amz-sns-message-type');
    if (announced !== undefined && announced !== type) return fail('malformed_request', 'x-amz-sns-message-type differs from the message Type');
    const signature = own(m, 'Signature');
    if (typeof signature !== 'string' || signature === '') return fail('missing_signature', 'the SNS message has no Signature');
    const version = own(m, 'SignatureVersion');
    if (version !== '1' && version !== '2') return fail('malformed_request', 'SignatureVersion is neither 1 nor 2');
    for (const key of SIGNED_KEYS[type]) {
      const value = own(m, key);
      if (key === 'Subject' ? value !== undefined && typeof value !== 'string' : typeof value !== 'string') {
        return fail('malformed_request', `the SNS message lacks ${key}`);
      }
    }
    if ((own(m, 'MessageId') as string).length > 256) return fail('malformed_request', 'the SNS MessageId is too long');
    if (!topics.has(own(m, 'TopicArn') as string)) return fail('untrusted_certificate', 'the message comes from a topic that is not allowed');
    const certUrl = own(m, 'SigningCertURL');
    if (!isSnsUrl(certUrl, true)) return fail('untrusted_certificate', 'SigningCertURL is not an https .pem URL on an Amazon SNS host');
    const at = Date.parse(own(m, 'Timestamp') as string);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(own(m, 'Timestamp') as string) || Number.isNaN(at)) return fail('malformed_request', 'the SNS Timestamp is not an ISO 8601 time');
    const stale = checkWindow(at, common, 'the SNS Timestamp');
    if (stale !== undefined) return stale;

    let cert: X509Certificate;
    try {
      cert = await certificate(fetchCertificate, certUrl as string);
    } catch {
      return fail('untrusted_certificate', 'the signing certificate could not be fetched or read');
    }
    const now = common.now();
    if (Date.parse(cert.validTo) < now || Date.parse(cert.validFrom) > now || cert.publicKey.asymmetricKeyType !== 'rsa') {
      return fail('untrusted_certificate', 'the signing certificate is not a currently valid RSA certificate');
    }
    const signatureBytes = strictBase64(signature);
    if (signatureBytes === undefined) return fail('bad_signature', 'the SNS Signature is not canonical base64');
    let valid: boolean;
    try {
      valid = cryptoVerify(version === '1' ? 'sha1' : 'sha256', Buffer.from(stringToSign(type, m), 'utf8'), cert.publicKey, signatureBytes);
    } catch {
      valid = false;
    }
    if (!valid) return fail('bad_signature', 'the SNS signature does not match the message');

    const sns: NonNullable<VerifyOk['sns']> = { type, message: own(m, 'Message') as string };
    const result = await succeed(common, `sns:${own(m, 'MessageId') as string}`, 2 * common.toleranceMs, { sns });
    if (!result.ok || type !== 'SubscriptionConfirmation') return result;
    const subscribeUrl = own(m, 'SubscribeURL');
    if (!isSnsUrl(subscribeUrl, false)) return fail('untrusted_certificate', 'SubscribeURL is not an https URL on an Amazon SNS host');
    let confirmed: boolean;
    try {
      confirmed = (await confirmSubscription(subscribeUrl as string)) !== false;
    } catch {
      confirmed = false;
    }
    return { ...result, sns: { ...sns, confirmed } };
  });
}
