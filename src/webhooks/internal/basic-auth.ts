// HTTP Basic credentials (RFC 7617), compared in constant time. Private:
// Postmark and Infobip both authenticate their callbacks this way.
import { fail, header, OK, safeEqual } from './kit';
import type { VerifyResult, WebhookRequest } from '../types';

/**
 * Checks `Authorization: Basic base64(username:password)`. Username and
 * password are both compared (no early exit), each through digests, so
 * neither their contents nor their lengths leak through timing.
 */
export function checkBasic(request: WebhookRequest, username: string, password: string): VerifyResult {
  const authorization = header(request, 'authorization');
  if (authorization === undefined || authorization.trim() === '') return fail('missing_signature', 'no Authorization header');
  const match = /^basic[ \t]+([A-Za-z0-9+/]+={0,2})[ \t]*$/i.exec(authorization);
  if (match === null) return fail('malformed_request', 'the Authorization header is not HTTP Basic credentials');
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return fail('malformed_request', 'the Basic credentials have no user:password separator');
  const userOk = safeEqual(decoded.slice(0, colon), username);
  const passwordOk = safeEqual(decoded.slice(colon + 1), password);
  return userOk && passwordOk ? OK : fail('bad_signature', 'the Basic credentials do not match');
}
