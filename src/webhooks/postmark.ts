import { checkBasic } from './internal/basic-auth';
import { checkRequest, optionsObject, secretOption } from './internal/kit';
import type { VerifyResult, WebhookRequest } from './types';

/** Options of {@link verifyPostmark}: the credentials put in the webhook URL. */
export interface PostmarkVerifyOptions {
  readonly username: string;
  readonly password: string;
}

const FN = 'verifyPostmark';

/**
 * Verifies a Postmark webhook. Postmark signs nothing: it documents HTTP
 * Basic credentials written into the webhook URL
 * (`https://user:pass@hooks.example.com/postmark`), which it sends as
 * `Authorization: Basic …`. Both parts are compared in constant time,
 * through digests, so neither content nor length leaks. There is no
 * timestamp and no replay key: use HTTPS, and rely on the store's
 * idempotency for a repeated event.
 *
 * Throws `LifecycleError('invalid_argument')` for bad options or request.
 *
 * @see https://postmarkapp.com/developer/webhooks/webhooks-overview#protecting-your-webhook
 * @example
 * const result = await verifyPostmark(request, { username: 'postmark', password: process.env.POSTMARK_HOOK_PASSWORD! });
 */
export function verifyPostmark(request: WebhookRequest, options: PostmarkVerifyOptions): Promise<VerifyResult> {
  const o = optionsObject(options, FN);
  const username = secretOption(o, 'username', FN);
  const password = secretOption(o, 'password', FN);
  const req = checkRequest(request, FN);
  return Promise.resolve().then(() => checkBasic(req, username, password));
}
