import { checkBasic } from './internal/basic-auth';
import { checkRequest, optionsObject, secretOption } from './internal/kit';
import type { VerifyResult, WebhookRequest } from './types';

/** Options of {@link verifyInfobip}: the Basic credentials of the subscription's security settings. */
export interface InfobipVerifyOptions {
  readonly username: string;
  readonly password: string;
}

const FN = 'verifyInfobip';

/**
 * Verifies an Infobip delivery-report callback by the HTTP Basic credentials
 * that a Subscriptions Management security setting of type `BASIC` makes
 * Infobip send (`Authorization: Basic …`), compared in constant time through
 * digests. Infobip's documentation describes no signature over the body for
 * delivery reports; its security settings also list `HMAC` and `OAUTH`
 * types without documenting the string signed or the header used, so only
 * `BASIC` is supported (see https://github.com/delivery-lifecycle/delivery-lifecycle/blob/main/docs/webhooks.md). There is no timestamp and no
 * replay key.
 *
 * Throws `LifecycleError('invalid_argument')` for bad options or request.
 *
 * @see https://www.infobip.com/docs/api/platform/subscriptions-api/create-security-settings
 * @example
 * const result = await verifyInfobip(request, { username: 'infobip', password: process.env.INFOBIP_HOOK_PASSWORD! });
 */
export function verifyInfobip(request: WebhookRequest, options: InfobipVerifyOptions): Promise<VerifyResult> {
  const o = optionsObject(options, FN);
  const username = secretOption(o, 'username', FN);
  const password = secretOption(o, 'password', FN);
  const req = checkRequest(request, FN);
  return Promise.resolve().then(() => checkBasic(req, username, password));
}
