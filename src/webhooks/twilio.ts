import { createHmac } from 'node:crypto';
import { parse as parseQuery, stringify as stringifyQuery } from 'node:querystring';

import { LifecycleError } from '../errors';
import {
  checkRequest,
  commonOptions,
  fail,
  header,
  mediaType,
  optionsObject,
  own,
  safeEqual,
  secretOption,
  sha256Hex,
  succeed,
} from './internal/kit';
import type { CommonVerifyOptions, VerifyResult, WebhookRequest } from './types';

/** Options of {@link verifyTwilio}. */
export interface TwilioVerifyOptions extends CommonVerifyOptions {
  /** The account's (primary) Auth Token: the HMAC-SHA1 key when no Webhook Setting applies. */
  readonly authToken: string;
  /**
   * The secret of the Twilio SharedKey that a Webhook Setting signs with
   * (requests carrying `X-Twilio-Webhooks-Signature-Settings`), or, to
   * rotate keys, the secrets by SharedKey id (the header's `key=`): the
   * request's key id picks the secret. Without it such requests are refused.
   */
  readonly sharedKeySecret?: string | Readonly<Record<string, string>>;
  /**
   * The URL as Twilio called it, when this server sees another one behind a
   * proxy. A string is the webhook URL configured at Twilio without its query
   * (`https://hooks.example.com/twilio/status`, with a port if Twilio was
   * given one): its scheme, host, port and path replace the request's; a bare
   * origin (`https://hooks.example.com`) keeps the request's path. The query
   * always stays the request's (it carries `bodySHA256`). A function returns
   * the whole public URL for a request.
   */
  readonly publicUrl?: string | ((request: WebhookRequest) => string);
}

const FN = 'verifyTwilio';

/**
 * Verifies a Twilio webhook: `X-Twilio-Signature` is the base64 HMAC of the
 * full URL followed by each POST parameter's name and value, sorted by name
 * (a repeated name: its distinct values sorted, each as name+value). The key
 * and hash are the Auth Token and SHA-1, or, when the request carries
 * `X-Twilio-Webhooks-Signature-Settings: key=…,algorithm=HMAC_SHA256`, the
 * SharedKey secret and SHA-256. A JSON body is covered through the URL's
 * `bodySHA256` query parameter (the hex SHA-256 of the raw body), checked
 * too. Like Twilio's own libraries it accepts the URL with and without the
 * default port (`:443`/`:80`) and with the legacy query-string encoding.
 *
 * Twilio signs no timestamp: the replay key (`twilio:` and a hash of the
 * signature) lives `toleranceMs`, so only a replay inside that window is
 * caught; the store's idempotency makes a later one harmless.
 *
 * Throws `LifecycleError('invalid_argument')` for bad options or request.
 *
 * @see https://www.twilio.com/docs/usage/webhooks/webhooks-security
 * @example
 * const result = await verifyTwilio(request, { authToken: process.env.TWILIO_AUTH_TOKEN!, publicUrl: 'https://hooks.example.com' });
 * if (!result.ok) return new Response(null, { status: 401 });
 */
export function verifyTwilio(request: WebhookRequest, options: TwilioVerifyOptions): Promise<VerifyResult> {
  const o = optionsObject(options, FN);
  const authToken = secretOption(o, 'authToken', FN);
  const sharedKeySecret = sharedKeyOption(o);
  const publicUrl = own(o, 'publicUrl');
  if (publicUrl !== undefined && typeof publicUrl !== 'function') checkPublicUrl(publicUrl);
  const common = commonOptions(o, FN);
  const req = checkRequest(request, FN);
  return Promise.resolve().then(() => {
    const signature = header(req, 'x-twilio-signature');
    if (signature === undefined || signature === '') return fail('missing_signature', 'no X-Twilio-Signature header');

    let key = authToken;
    let hash: 'sha1' | 'sha256' = 'sha1';
    const settings = header(req, 'x-twilio-webhooks-signature-settings');
    if (settings !== undefined) {
      const algorithm = /(?:^|,)\s*algorithm=([A-Za-z0-9_]+)\s*(?:,|$)/.exec(settings)?.[1];
      if (algorithm === 'HMAC_SHA256') hash = 'sha256';
      else if (algorithm !== 'HMAC_SHA1') return fail('malformed_request', 'X-Twilio-Webhooks-Signature-Settings names no supported algorithm');
      if (sharedKeySecret === undefined) return fail('bad_signature', 'the request is signed with a Twilio SharedKey and no sharedKeySecret is configured');
      if (typeof sharedKeySecret === 'string') key = sharedKeySecret;
      else {
        const id = /(?:^|,)\s*key=([^,\s]*)\s*(?:,|$)/.exec(settings)?.[1] ?? '';
        const secret = sharedKeySecret.get(id);
        if (secret === undefined) return fail('bad_signature', 'the request names a SharedKey id with no configured secret');
        key = secret;
      }
    }

    const url = typeof publicUrl === 'function' ? (publicUrl as (r: WebhookRequest) => string)(req) : publicUrl === undefined ? req.url : withPublicUrl(req.url, publicUrl as string);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return fail('malformed_request', 'the request URL is not an absolute URL');
    }

    let params: readonly (readonly [string, string])[] = [];
    const bodySha = parsed.searchParams.get('bodySHA256');
    if (bodySha !== null) {
      if (!safeEqual(sha256Hex(req.body), bodySha.toLowerCase())) return fail('bad_signature', 'the body does not match the bodySHA256 the URL carries');
    } else if (req.body.byteLength > 0) {
      if (mediaType(req) !== 'application/x-www-form-urlencoded') {
        return fail('malformed_request', 'a Twilio body is form-encoded, or JSON with a bodySHA256 URL parameter');
      }
      params = [...new URLSearchParams(Buffer.from(req.body).toString('utf8'))];
    }
    const suffix = signedParams(params);

    let matched = false;
    for (const candidate of urlCandidates(url, parsed)) {
      const expected = createHmac(hash, key).update(candidate + suffix, 'utf8').digest('base64');
      // Every candidate is compared, whichever matches, in constant time.
      matched = safeEqual(expected, signature) || matched;
    }
    if (!matched) return fail('bad_signature', 'X-Twilio-Signature does not match the URL and parameters');
    return succeed(common, `twilio:${sha256Hex(signature)}`, common.toleranceMs);
  });
}

/** A string, or a map of SharedKey id → secret (own keys only), or `undefined`. */
function sharedKeyOption(o: Record<string, unknown>): string | ReadonlyMap<string, string> | undefined {
  const value = own(o, 'sharedKeySecret');
  if (value === undefined) return undefined;
  if (typeof value === 'string') return secretOption(o, 'sharedKeySecret', FN);
  const entries = typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.entries(value as Record<string, unknown>) : [];
  if (entries.length === 0 || !entries.every(([, secret]) => typeof secret === 'string' && secret !== '')) {
    throw new LifecycleError('invalid_argument', `${FN}: options.sharedKeySecret must be a non-empty string, or an object of non-empty secret strings by SharedKey id`);
  }
  return new Map(entries as [string, string][]);
}

/** Names sorted; a repeated name's distinct values sorted; each pair as name + value. */
function signedParams(params: readonly (readonly [string, string])[]): string {
  const byName = new Map<string, Set<string>>();
  for (const [name, value] of params) {
    const values = byName.get(name);
    if (values === undefined) byName.set(name, new Set([value]));
    else values.add(value);
  }
  let out = '';
  for (const name of [...byName.keys()].sort()) {
    for (const value of [...byName.get(name)!].sort()) out += name + value;
  }
  return out;
}

/**
 * The URL forms Twilio's libraries accept, since Twilio's signing side is not
 * consistent about them: as received, without and with the scheme's default
 * port, and each with the query string re-encoded the legacy way.
 */
function urlCandidates(raw: string, parsed: URL): string[] {
  const withoutPort = new URL(parsed.href);
  withoutPort.port = '';
  const withPort = parsed.port !== '' ? parsed.href : withDefaultPort(parsed);
  const forms = [raw, withoutPort.href, withPort];
  for (const form of [withoutPort.href, withPort]) forms.push(legacyQuery(form));
  return [...new Set(forms)];
}

function withDefaultPort(url: URL): string {
  const port = url.protocol === 'https:' ? '443' : url.protocol === 'http:' ? '80' : '';
  if (port === '') return url.href;
  const auth = url.username !== '' || url.password !== '' ? `${url.username}${url.password !== '' ? `:${url.password}` : ''}@` : '';
  return `${url.protocol}//${auth}${url.host}:${port}${url.pathname}${url.search}${url.hash}`;
}

function legacyQuery(href: string): string {
  const queryAt = href.indexOf('?');
  if (queryAt < 0) return href;
  const hashAt = href.indexOf('#', queryAt);
  const query = hashAt < 0 ? href.slice(queryAt + 1) : href.slice(queryAt + 1, hashAt);
  return `${href.slice(0, queryAt)}?${stringifyQuery(parseQuery(query))}${hashAt < 0 ? '' : href.slice(hashAt)}`;
}

function checkPublicUrl(value: unknown): void {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new LifecycleError('invalid_argument', `${FN}: options.publicUrl must be an http(s) URL without query, such as https://hooks.example.com/twilio, or a function of the request`);
  }
}

/** The request URL with the public URL's scheme, host, port and (unless it is `/`) path; the query stays the request's. */
function withPublicUrl(requestUrl: string, publicUrl: string): string {
  let path: string;
  let search: string;
  try {
    const url = new URL(requestUrl);
    path = url.pathname;
    search = url.search;
  } catch {
    // A bare path (`/hooks/twilio?x=1`) is fine behind a proxy too.
    const bare = requestUrl.startsWith('/') ? requestUrl : `/${requestUrl}`;
    const queryAt = bare.indexOf('?');
    path = queryAt < 0 ? bare : bare.slice(0, queryAt);
    search = queryAt < 0 ? '' : bare.slice(queryAt);
  }
  const pub = new URL(publicUrl);
  return pub.origin + (pub.pathname === '/' ? path : pub.pathname) + search;
}
