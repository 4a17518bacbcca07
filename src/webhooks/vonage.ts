import { createHash, createHmac } from 'node:crypto';

import { LifecycleError } from '../errors';
import {
  bodyJson,
  bodyText,
  checkRequest,
  checkWindow,
  commonOptions,
  fail,
  header,
  isPlainObject,
  mediaType,
  optionsObject,
  own,
  safeEqual,
  secretOption,
  sha256Hex,
  succeed,
  unixSeconds,
  type Common,
} from './internal/kit';
import type { CommonVerifyOptions, VerifyResult, WebhookRequest } from './types';

/** How the account signs SMS API webhooks (Dashboard → API settings → signature method). */
export type VonageSignatureMethod = 'md5hash' | 'md5' | 'sha1' | 'sha256' | 'sha512';

/** Options of {@link verifyVonage}. */
export interface VonageVerifyOptions extends CommonVerifyOptions {
  /** The account's signature secret: keys both the SMS API `sig` and the Messages API JWT. */
  readonly signatureSecret: string;
  /**
   * The SMS API signature method configured for the account: `md5hash`
   * (MD5 of the string followed by the secret) or HMAC with `md5`, `sha1`,
   * `sha256`, `sha512`. Default `md5hash`.
   */
  readonly signatureMethod?: VonageSignatureMethod;
}

const FN = 'verifyVonage';
const METHODS: readonly VonageSignatureMethod[] = ['md5hash', 'md5', 'sha1', 'sha256', 'sha512'];

/** The callback's parameters: the query, then the body's form or JSON fields (which win, as Vonage's SDK merges them). */
function paramsOf(request: WebhookRequest): Map<string, string> | undefined {
  const params = new Map<string, string>();
  try {
    for (const [k, v] of new URL(request.url, 'http://localhost').searchParams) params.set(k, v);
  } catch {
    return undefined;
  }
  if (request.body.byteLength === 0) return params;
  const type = mediaType(request);
  if (type === 'application/x-www-form-urlencoded') {
    for (const [k, v] of new URLSearchParams(bodyText(request))) params.set(k, v);
  } else if (type === 'application/json') {
    const body = bodyJson(request);
    if (!isPlainObject(body)) return undefined;
    for (const k of Object.keys(body)) {
      const v = body[k];
      if (typeof v === 'string') params.set(k, v);
      else if (typeof v === 'number' || typeof v === 'boolean') params.set(k, String(v));
      else return undefined;
    }
  }
  return params;
}

function verifySig(request: WebhookRequest, secret: string, method: VonageSignatureMethod, common: Common): Promise<VerifyResult> | VerifyResult {
  const params = paramsOf(request);
  if (params === undefined) return fail('malformed_request', 'the callback parameters cannot be read');
  const sig = params.get('sig');
  if (sig === undefined || sig === '') return fail('missing_signature', 'no sig parameter and no Authorization bearer token');
  const at = unixSeconds(params.get('timestamp'));
  if (at === undefined) return fail('malformed_request', 'the signed callback has no timestamp parameter in Unix seconds');
  let data = '';
  for (const name of [...params.keys()].filter((k) => k !== 'sig').sort()) data += `&${name}=${params.get(name)!.replace(/[&=]/g, '_')}`;
  const expected = method === 'md5hash' ? createHash('md5').update(data + secret, 'utf8').digest('hex') : createHmac(method, secret).update(data, 'utf8').digest('hex');
  if (!safeEqual(expected, sig.toLowerCase())) return fail('bad_signature', 'the sig parameter does not match the parameters');
  const stale = checkWindow(at, common, 'the signed timestamp');
  if (stale !== undefined) return stale;
  return succeed(common, `vonage:sig:${sha256Hex(data)}`, 2 * common.toleranceMs);
}

function jsonPart(part: string): Record<string, unknown> | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) return undefined;
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return isPlainObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function verifyJwt(request: WebhookRequest, token: string, secret: string, common: Common): Promise<VerifyResult> | VerifyResult {
  const parts = token.split('.');
  if (parts.length !== 3) return fail('malformed_request', 'the bearer token is not a JWT');
  const head = jsonPart(parts[0]);
  const claims = jsonPart(parts[1]);
  if (head === undefined || claims === undefined) return fail('malformed_request', 'the JWT header or claims are not JSON objects');
  // Strict: HS256 only, so `none` or an asymmetric algorithm never reaches the check.
  if (own(head, 'alg') !== 'HS256') return fail('bad_signature', 'the JWT is not signed with HS256');
  const expected = createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`, 'utf8').digest('base64url');
  if (!safeEqual(expected, parts[2])) return fail('bad_signature', 'the JWT signature does not match');
  const iat = own(claims, 'iat');
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return fail('malformed_request', 'the JWT has no numeric iat claim');
  const stale = checkWindow(iat * 1000, common, 'the JWT iat');
  if (stale !== undefined) return stale;
  const exp = own(claims, 'exp');
  if (exp !== undefined && (typeof exp !== 'number' || !Number.isFinite(exp))) return fail('malformed_request', 'the JWT exp claim is not a number');
  if (typeof exp === 'number' && exp * 1000 + common.toleranceMs < common.now()) return fail('stale_timestamp', 'the JWT has expired');
  const hash = own(claims, 'payload_hash');
  if (typeof hash !== 'string') return fail('malformed_request', 'the JWT has no payload_hash claim');
  if (!safeEqual(sha256Hex(request.body), hash.toLowerCase())) return fail('bad_signature', 'the body does not match the JWT payload_hash');
  const jti = own(claims, 'jti');
  const key = typeof jti === 'string' && jti !== '' && jti.length <= 256 ? `vonage:jwt:${jti}` : `vonage:jwt:${sha256Hex(`${parts[0]}.${parts[1]}`)}`;
  return succeed(common, key, 2 * common.toleranceMs);
}

/**
 * Verifies a Vonage webhook, whichever API sent it:
 * - Messages API: `Authorization: Bearer <JWT>`, HS256 with the signature
 *   secret (any other `alg`, `none` included, is refused), `iat` within
 *   `toleranceMs`, `exp` if present not passed, and `payload_hash` equal to
 *   the hex SHA-256 of the raw body. Replay key `vonage:jwt:<jti>`.
 * - SMS API signed webhooks: the `sig` parameter (query, form or JSON body)
 *   is the hex digest of `&name=value` for every other parameter sorted by
 *   name, `&` and `=` in values replaced by `_`; `md5hash` appends the secret
 *   and takes MD5, the others are HMACs keyed with it. The `timestamp`
 *   parameter (Unix seconds) must be within `toleranceMs`. Replay key
 *   `vonage:sig:` and a hash of the signed string.
 *
 * Throws `LifecycleError('invalid_argument')` for bad options or request.
 *
 * @see https://developer.vonage.com/en/getting-started/concepts/signing-messages
 * @see https://developer.vonage.com/en/getting-started/concepts/webhooks#decoding-signed-webhooks
 * @example
 * const result = await verifyVonage(request, { signatureSecret: process.env.VONAGE_SIGNATURE_SECRET!, signatureMethod: 'sha256' });
 */
export function verifyVonage(request: WebhookRequest, options: VonageVerifyOptions): Promise<VerifyResult> {
  const o = optionsObject(options, FN);
  const secret = secretOption(o, 'signatureSecret', FN);
  const method = own(o, 'signatureMethod') ?? 'md5hash';
  if (!METHODS.includes(method as VonageSignatureMethod)) {
    throw new LifecycleError('invalid_argument', `${FN}: options.signatureMethod must be one of ${METHODS.join(', ')}`);
  }
  const common = commonOptions(o, FN);
  const req = checkRequest(request, FN);
  return Promise.resolve().then(() => {
    const authorization = header(req, 'authorization');
    const bearer = authorization === undefined ? undefined : /^bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization)?.[1];
    if (bearer !== undefined) return verifyJwt(req, bearer, secret, common);
    return verifySig(req, secret, method as VonageSignatureMethod, common);
  });
}
