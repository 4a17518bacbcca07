import { createHmac } from 'node:crypto';

import {
  bodyJson,
  bodyText,
  checkRequest,
  checkWindow,
  commonOptions,
  fail,
  isPlainObject,
  mediaType,
  optionsObject,
  own,
  safeEqual,
  secretOption,
  succeed,
  unixSeconds,
} from './internal/kit';
import type { CommonVerifyOptions, VerifyResult, WebhookRequest } from './types';

/** Options of {@link verifyMailgun}. */
export interface MailgunVerifyOptions extends CommonVerifyOptions {
  /** The account's HTTP webhook signing key (not the API key). */
  readonly signingKey: string;
}

const FN = 'verifyMailgun';

interface Envelope {
  readonly timestamp: unknown;
  readonly token: unknown;
  readonly signature: unknown;
  /** A subaccount's event also carries the same HMAC made with the primary account's key. */
  readonly parent?: unknown;
}

/** The `signature` object of a JSON webhook, or the legacy form fields. */
async function envelopeOf(request: WebhookRequest): Promise<Envelope | undefined> {
  const type = mediaType(request);
  if (type === 'application/json') {
    const body = bodyJson(request);
    if (!isPlainObject(body)) return undefined;
    const signature = own(body, 'signature');
    // A JSON object without a signature object: nothing signed it.
    if (!isPlainObject(signature)) return { timestamp: undefined, token: undefined, signature: undefined };
    return { timestamp: own(signature, 'timestamp'), token: own(signature, 'token'), signature: own(signature, 'signature'), parent: own(signature, 'parent-signature') };
  }
  if (type === 'application/x-www-form-urlencoded') {
    const form = new URLSearchParams(bodyText(request));
    return { timestamp: form.get('timestamp') ?? undefined, token: form.get('token') ?? undefined, signature: form.get('signature') ?? undefined };
  }
  if (type === 'multipart/form-data') {
    try {
      // undici's multipart parser, on the bytes already read (bounded by the caller).
      const form = await new Response(request.body, { headers: { 'content-type': request.headers['content-type'] ?? '' } }).formData();
      const field = (name: string) => {
        const value = form.get(name);
        return typeof value === 'string' ? value : undefined;
      };
      return { timestamp: field('timestamp'), token: field('token'), signature: field('signature') };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Verifies a Mailgun webhook: the hex HMAC-SHA256, keyed with the webhook
 * signing key, of `timestamp` followed by `token`, from the JSON body's
 * `signature` object (or, for legacy webhooks, the form fields of the same
 * names, URL-encoded or multipart). For a subaccount's event, the
 * `parent-signature` made with the primary account's key is accepted too,
 * so one key serves all subaccounts. The timestamp (Unix seconds) must be
 * within `toleranceMs` of `now()`.
 *
 * The signature covers only `timestamp` and `token`, not the event data: a
 * captured signature could be pasted onto forged event data. What stops it
 * is the single use of each token: the replay key is `mailgun:<token>`, kept
 * for twice the tolerance, so give every verification path a `replayCache`
 * (the handler does).
 *
 * Throws `LifecycleError('invalid_argument')` for bad options or request.
 *
 * @see https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks
 * @example
 * const result = await verifyMailgun(request, { signingKey: process.env.MAILGUN_SIGNING_KEY!, replayCache });
 */
export function verifyMailgun(request: WebhookRequest, options: MailgunVerifyOptions): Promise<VerifyResult> {
  const o = optionsObject(options, FN);
  const signingKey = secretOption(o, 'signingKey', FN);
  const common = commonOptions(o, FN);
  const req = checkRequest(request, FN);
  return envelopeOf(req).then((envelope) => {
    if (envelope === undefined) return fail('malformed_request', 'the body carries no Mailgun signature object');
    const { timestamp, token, signature } = envelope;
    if (signature === undefined || signature === '') return fail('missing_signature', 'the Mailgun signature is missing');
    if (typeof signature !== 'string' || typeof token !== 'string' || token === '' || token.length > 512) {
      return fail('malformed_request', 'the Mailgun signature object lacks a token or signature string');
    }
    const at = unixSeconds(typeof timestamp === 'number' ? String(timestamp) : (timestamp as string | undefined));
    if (at === undefined) return fail('malformed_request', 'the Mailgun timestamp is not a Unix time in seconds');
    const expected = createHmac('sha256', signingKey).update(String(timestamp) + token, 'utf8').digest('hex');
    const direct = safeEqual(expected, signature.toLowerCase());
    const parent = typeof envelope.parent === 'string' && safeEqual(expected, envelope.parent.toLowerCase());
    if (!direct && !parent) return fail('bad_signature', 'the Mailgun signature does not match timestamp and token');
    const stale = checkWindow(at, common, 'the signed timestamp');
    if (stale !== undefined) return stale;
    return succeed(common, `mailgun:${token}`, 2 * common.toleranceMs);
  });
}
