import { createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';

import { LifecycleError } from '../errors';
import { checkRequest, checkWindow, commonOptions, fail, header, optionsObject, own, sha256Hex, strictBase64, succeed, unixSeconds } from './internal/kit';
import type { CommonVerifyOptions, VerifyResult, WebhookRequest } from './types';

/** Options of {@link verifySendGrid}. */
export interface SendGridVerifyOptions extends CommonVerifyOptions {
  /**
   * The Signed Event Webhook's verification key: as SendGrid's console shows
   * it (base64 of the DER SubjectPublicKeyInfo), as PEM, or a `KeyObject`.
   * It must be an ECDSA P-256 public key.
   */
  readonly publicKey: string | KeyObject;
}

const FN = 'verifySendGrid';
const keys = new Map<string, KeyObject>();

function publicKeyOf(value: unknown): KeyObject {
  let key: KeyObject | undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    key = keys.get(value);
    if (key === undefined) {
      try {
        const text = value.trim();
        key = text.startsWith('-----BEGIN')
          ? createPublicKey(text)
          : createPublicKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'spki' });
      } catch {
        key = undefined;
      }
      // A handful of keys at most per process; keep the cache from growing without bound.
      if (key !== undefined) {
        if (keys.size >= 16) keys.clear();
        keys.set(value, key);
      }
    }
  } else if (typeof value === 'object' && value !== null && (value as KeyObject).type === 'public') {
    key = value as KeyObject;
  }
  if (key === undefined || key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new LifecycleError('invalid_argument', `${FN}: options.publicKey must be an ECDSA P-256 public key (base64 DER as SendGrid shows it, PEM, or a KeyObject)`);
  }
  return key;
}

/**
 * Verifies a SendGrid Signed Event Webhook request: ECDSA P-256 with SHA-256
 * over the `X-Twilio-Email-Event-Webhook-Timestamp` value followed by the raw
 * body, the signature (base64 DER) in `X-Twilio-Email-Event-Webhook-Signature`.
 * The timestamp (Unix seconds) must be within `toleranceMs` of `now()`.
 *
 * The replay key hashes the signed bytes (timestamp and body), not the
 * signature: an ECDSA signature can be re-encoded into another valid one
 * (`s` → `n − s`), so keying on it would let a replay through.
 *
 * Throws `LifecycleError('invalid_argument')` for bad options or request.
 *
 * @see https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features
 * @example
 * const result = await verifySendGrid(request, { publicKey: process.env.SENDGRID_WEBHOOK_KEY! });
 */
export function verifySendGrid(request: WebhookRequest, options: SendGridVerifyOptions): Promise<VerifyResult> {
  const o = optionsObject(options, FN);
  const key = publicKeyOf(own(o, 'publicKey'));
  const common = commonOptions(o, FN);
  const req = checkRequest(request, FN);
  return Promise.resolve().then(() => {
    const signature = header(req, 'x-twilio-email-event-webhook-signature');
    if (signature === undefined || signature.trim() === '') return fail('missing_signature', 'no X-Twilio-Email-Event-Webhook-Signature header');
    const timestamp = header(req, 'x-twilio-email-event-webhook-timestamp');
    if (timestamp === undefined) return fail('malformed_request', 'no X-Twilio-Email-Event-Webhook-Timestamp header');
    const at = unixSeconds(timestamp);
    if (at === undefined) return fail('malformed_request', 'X-Twilio-Email-Event-Webhook-Timestamp is not a Unix time in seconds');
    const signatureBytes = strictBase64(signature.trim());
    if (signatureBytes === undefined) return fail('bad_signature', 'the signature is not canonical base64');
    const signed = Buffer.concat([Buffer.from(timestamp, 'utf8'), req.body]);
    let valid: boolean;
    try {
      valid = cryptoVerify('sha256', signed, { key, dsaEncoding: 'der' }, signatureBytes);
    } catch {
      valid = false;
    }
    if (!valid) return fail('bad_signature', 'the signature does not match the timestamp and body');
    const stale = checkWindow(at, common, 'the signed timestamp');
    if (stale !== undefined) return stale;
    return succeed(common, `sendgrid:${sha256Hex(signed)}`, 2 * common.toleranceMs);
  });
}
