/**
 * Signs webhook requests the way each provider does, written from the
 * providers' documentation independently of src/webhooks (these helpers are
 * the tests' oracle, and the handler's end-to-end and load tests use them to
 * post genuine callbacks). Every helper returns a {@link WebhookRequest}.
 */
import { execFileSync } from 'node:child_process';
import { createHash, createHmac, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { WebhookRequest } from '../../src/webhooks/types';

const enc = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));

/** Form-encodes pairs the way an HTTP client does (`+` for space). */
export function formBody(params: Record<string, string | readonly string[]> | readonly (readonly [string, string])[]): string {
  const search = new URLSearchParams();
  const pairs = Array.isArray(params)
    ? (params as readonly (readonly [string, string])[])
    : Object.entries(params).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v] as const] : (v as readonly string[]).map((x) => [k, x] as const)));
  for (const [k, v] of pairs) search.append(k, v);
  return search.toString();
}

// ---------------------------------------------------------------- Twilio

/** Twilio's string to sign: URL + each name+value, names sorted, a repeated name's distinct values sorted. */
export function twilioSignature(key: string, url: string, params: readonly (readonly [string, string])[], algorithm: 'sha1' | 'sha256' = 'sha1'): string {
  const names = [...new Set(params.map(([k]) => k))].sort();
  let data = url;
  for (const name of names) {
    for (const value of [...new Set(params.filter(([k]) => k === name).map(([, v]) => v))].sort()) data += name + value;
  }
  return createHmac(algorithm, key).update(data, 'utf8').digest('base64');
}

export interface SignTwilioOptions {
  readonly authToken: string;
  readonly url: string;
  /** Form parameters (in the order they are sent); or `json` for a JSON body. */
  readonly params?: readonly (readonly [string, string])[] | Record<string, string>;
  /** A JSON body: the URL gets `bodySHA256` and no parameters are signed. */
  readonly json?: string;
  /** Sign with a SharedKey and HMAC-SHA256 (sends X-Twilio-Webhooks-Signature-Settings). */
  readonly sharedKey?: { readonly id: string; readonly secret: string };
  /** The URL the server sees, when it differs from the one signed (a proxy). */
  readonly receivedUrl?: string;
}

export function signTwilio(options: SignTwilioOptions): WebhookRequest {
  const headers: Record<string, string> = {};
  let url = options.url;
  let params: readonly (readonly [string, string])[] = [];
  let body: string;
  if (options.json !== undefined) {
    url += `${url.includes('?') ? '&' : '?'}bodySHA256=${createHash('sha256').update(options.json, 'utf8').digest('hex')}`;
    body = options.json;
    headers['content-type'] = 'application/json';
  } else {
    params = Array.isArray(options.params) ? (options.params as readonly (readonly [string, string])[]) : Object.entries(options.params ?? {});
    body = formBody(params);
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  if (options.sharedKey !== undefined) {
    headers['x-twilio-webhooks-signature-settings'] = `key=${options.sharedKey.id},algorithm=HMAC_SHA256`;
    headers['x-twilio-signature'] = twilioSignature(options.sharedKey.secret, url, params, 'sha256');
  } else {
    headers['x-twilio-signature'] = twilioSignature(options.authToken, url, params);
  }
  const received = options.receivedUrl === undefined ? url : options.receivedUrl + url.slice(url.indexOf('?') < 0 ? url.length : url.indexOf('?'));
  return { method: 'POST', url: received, headers, body: enc(body) };
}

// ---------------------------------------------------------------- SendGrid

/** A P-256 key pair, and the public key as SendGrid's console shows it (base64 DER SPKI). */
export function sendGridKeys(): { privateKey: KeyObject; publicKeyBase64: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    privateKey,
    publicKeyBase64: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export function signSendGrid(options: { privateKey: KeyObject; body: string; timestampSeconds: number; url?: string }): WebhookRequest {
  const timestamp = String(options.timestampSeconds);
  const signature = cryptoSign('sha256', Buffer.from(timestamp + options.body, 'utf8'), { key: options.privateKey, dsaEncoding: 'der' }).toString('base64');
  return {
    method: 'POST',
    url: options.url ?? 'https://hooks.example.com/sendgrid',
    headers: {
      'content-type': 'application/json',
      'x-twilio-email-event-webhook-signature': signature,
      'x-twilio-email-event-webhook-timestamp': timestamp,
    },
    body: enc(options.body),
  };
}

// ---------------------------------------------------------------- Mailgun

export function mailgunSignature(signingKey: string, timestamp: string, token: string): string {
  return createHmac('sha256', signingKey).update(timestamp + token, 'utf8').digest('hex');
}

/** A Mailgun JSON webhook: `{ signature: { timestamp, token, signature }, 'event-data': eventData }`. */
export function signMailgun(options: { signingKey: string; timestampSeconds: number; token: string; eventData?: unknown; form?: boolean }): WebhookRequest {
  const timestamp = String(options.timestampSeconds);
  const signature = mailgunSignature(options.signingKey, timestamp, options.token);
  if (options.form === true) {
    return {
      method: 'POST',
      url: 'https://hooks.example.com/mailgun',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: enc(formBody({ event: 'delivered', 'Message-Id': '<m1@example.com>', timestamp, token: options.token, signature })),
    };
  }
  const body = JSON.stringify({ signature: { timestamp, token: options.token, signature }, 'event-data': options.eventData ?? { event: 'delivered' } });
  return { method: 'POST', url: 'https://hooks.example.com/mailgun', headers: { 'content-type': 'application/json' }, body: enc(body) };
}

// ---------------------------------------------------------------- Amazon SNS (SES, AWS SMS)

export interface SnsSigner {
  readonly privateKeyPem: string;
  readonly certificatePem: string;
}

let signer: SnsSigner | undefined;

/** A self-signed RSA certificate made by `openssl req -x509` (once per process). */
export function snsSigner(): SnsSigner {
  if (signer !== undefined) return signer;
  const dir = mkdtempSync(join(tmpdir(), 'sns-cert-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2',
      '-subj', '/CN=sns.amazonaws.com', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    signer = { privateKeyPem: readFileSync(join(dir, 'key.pem'), 'utf8'), certificatePem: readFileSync(join(dir, 'cert.pem'), 'utf8') };
    return signer;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type SnsType = 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';

export interface SnsEnvelopeOptions {
  readonly type?: SnsType;
  readonly message: string;
  readonly topicArn: string;
  readonly timestamp: string;
  readonly messageId?: string;
  readonly subject?: string;
  readonly signatureVersion?: '1' | '2';
  readonly signingCertUrl?: string;
  readonly subscribeUrl?: string;
  readonly token?: string;
}

/** The documented string to sign: `Name\nValue\n` for each signed key, in this order. */
export function snsStringToSign(m: Record<string, string>): string {
  const keys = m.Type === 'Notification'
    ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
    : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  return keys.filter((k) => m[k] !== undefined).map((k) => `${k}\n${m[k]}\n`).join('');
}

export function snsEnvelope(options: SnsEnvelopeOptions, s: SnsSigner = snsSigner()): Record<string, string> {
  const type = options.type ?? 'Notification';
  const m: Record<string, string> = {
    Type: type,
    MessageId: options.messageId ?? '165545c9-2a5c-472c-8df2-7ff2be2b3b1b',
    TopicArn: options.topicArn,
    Message: options.message,
    Timestamp: options.timestamp,
    SignatureVersion: options.signatureVersion ?? '1',
    SigningCertURL: options.signingCertUrl ?? 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem',
  };
  if (options.subject !== undefined) m.Subject = options.subject;
  if (type !== 'Notification') {
    m.Token = options.token ?? '2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3beb71854e285d6ad02428b09ceece29417f1f02d609c582afbacc99c583a916b9981dd2728f4ae6fdb82efd087cc3b7849e05798d2d2785c03b0879594eeac82c01f235d0e717736';
    m.SubscribeURL = options.subscribeUrl ?? `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${options.topicArn}&Token=${m.Token}`;
  }
  const hash = m.SignatureVersion === '2' ? 'sha256' : 'sha1';
  m.Signature = cryptoSign(hash, Buffer.from(snsStringToSign(m), 'utf8'), s.privateKeyPem).toString('base64');
  if (type === 'Notification') m.UnsubscribeURL = `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${options.topicArn}:1`;
  return m;
}

export function signSns(options: SnsEnvelopeOptions, s?: SnsSigner): WebhookRequest {
  const envelope = snsEnvelope(options, s);
  return {
    method: 'POST',
    url: 'https://hooks.example.com/ses',
    headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': envelope.Type, 'x-amz-sns-topic-arn': envelope.TopicArn },
    body: enc(JSON.stringify(envelope)),
  };
}

// ---------------------------------------------------------------- Basic credentials (Postmark, Infobip)

export function withBasicAuth(username: string, password: string, body = '{}', url = 'https://hooks.example.com/postmark'): WebhookRequest {
  return {
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}` },
    body: enc(body),
  };
}

// ---------------------------------------------------------------- Vonage

export type VonageMethod = 'md5hash' | 'md5' | 'sha1' | 'sha256' | 'sha512';

/** Vonage's signed-SMS `sig`: `&name=value` for each parameter but `sig`, sorted by name, `&` and `=` in values as `_`. */
export function vonageSig(secret: string, params: Record<string, string>, method: VonageMethod = 'md5hash'): string {
  const data = Object.keys(params)
    .filter((k) => k !== 'sig')
    .sort()
    .map((k) => `&${k}=${params[k].replace(/[&=]/g, '_')}`)
    .join('');
  return method === 'md5hash' ? createHash('md5').update(data + secret, 'utf8').digest('hex') : createHmac(method, secret).update(data, 'utf8').digest('hex');
}

/** A signed SMS API callback: GET with the parameters in the query, or POST form / JSON. */
export function signVonageSms(options: {
  secret: string;
  params: Record<string, string>;
  method?: VonageMethod;
  as?: 'query' | 'form' | 'json';
}): WebhookRequest {
  const params = { ...options.params, sig: vonageSig(options.secret, options.params, options.method) };
  const as = options.as ?? 'query';
  if (as === 'query') return { method: 'GET', url: `https://hooks.example.com/vonage?${formBody(params)}`, headers: {}, body: new Uint8Array() };
  if (as === 'form') {
    return { method: 'POST', url: 'https://hooks.example.com/vonage', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: enc(formBody(params)) };
  }
  return { method: 'POST', url: 'https://hooks.example.com/vonage', headers: { 'content-type': 'application/json' }, body: enc(JSON.stringify(params)) };
}

const b64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url');

/** An HS256 JWT as the Messages API sends it; `claims` override the defaults (iat, jti, payload_hash). */
export function vonageJwt(secret: string, body: string, claims: Record<string, unknown>, headerOverride?: Record<string, unknown>): string {
  const head = b64url(JSON.stringify(headerOverride ?? { alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify({ payload_hash: createHash('sha256').update(body, 'utf8').digest('hex'), ...claims }));
  const signature = createHmac('sha256', secret).update(`${head}.${payload}`).digest('base64url');
  return `${head}.${payload}.${signature}`;
}

export function signVonageMessages(options: { secret: string; body: string; iatSeconds: number; jti?: string }): WebhookRequest {
  const token = vonageJwt(options.secret, options.body, { iat: options.iatSeconds, jti: options.jti ?? 'c7d9f0b6-7c1a-4b4e-9d1e-1f2e3d4c5b6a', application_id: 'app-1' });
  return {
    method: 'POST',
    url: 'https://hooks.example.com/vonage/messages',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: enc(options.body),
  };
}

// ---------------------------------------------------------------- over HTTP

/**
 * The `fetch` arguments that post `request` to a server: its URL's path and
 * query on `origin` (e.g. the loopback server of an end-to-end test), same
 * method, headers and body. Sign with the URL the server will see (or give
 * the verifier `publicUrl`) for Twilio, whose signature covers the URL.
 */
export function toFetch(request: WebhookRequest, origin: string): { url: string; init: RequestInit } {
  const url = new URL(request.url);
  const headers = Object.fromEntries(Object.entries(request.headers).filter((e): e is [string, string] => typeof e[1] === 'string'));
  return {
    url: `${origin.replace(/\/$/, '')}${url.pathname}${url.search}`,
    init: { method: request.method, headers, body: request.method === 'GET' || request.method === 'HEAD' ? undefined : Buffer.from(request.body) },
  };
}
