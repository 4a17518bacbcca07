import { LifecycleError } from '../errors';
import { verifyInfobip, type InfobipVerifyOptions } from './infobip';
import { verifyMailgun, type MailgunVerifyOptions } from './mailgun';
import { verifyPostmark, type PostmarkVerifyOptions } from './postmark';
import { verifySendGrid, type SendGridVerifyOptions } from './sendgrid';
import { verifySns, type SnsVerifyOptions } from './sns';
import { verifyTwilio, type TwilioVerifyOptions } from './twilio';
import type { VerifyResult, WebhookProvider, WebhookRequest } from './types';
import { verifyVonage, type VonageVerifyOptions } from './vonage';

/** Each provider's verification options: what `verify…` and the handler's `verify` option take. */
export interface VerifyOptionsByProvider {
  readonly twilio: TwilioVerifyOptions;
  readonly sendgrid: SendGridVerifyOptions;
  readonly mailgun: MailgunVerifyOptions;
  readonly postmark: PostmarkVerifyOptions;
  readonly ses: SnsVerifyOptions;
  readonly 'aws-sms': SnsVerifyOptions;
  readonly vonage: VonageVerifyOptions;
  readonly infobip: InfobipVerifyOptions;
}

/** A provider's verifier. */
export type Verifier<P extends WebhookProvider> = (request: WebhookRequest, options: VerifyOptionsByProvider[P]) => Promise<VerifyResult>;

/**
 * The verifier of each provider (`ses` and `aws-sms` both arrive through
 * Amazon SNS). Frozen.
 *
 * @example
 * const result = await VERIFIERS[provider](request, options);
 */
export const VERIFIERS: { readonly [P in WebhookProvider]: Verifier<P> } = Object.freeze({
  twilio: verifyTwilio,
  sendgrid: verifySendGrid,
  mailgun: verifyMailgun,
  postmark: verifyPostmark,
  ses: verifySns,
  'aws-sms': verifySns,
  vonage: verifyVonage,
  infobip: verifyInfobip,
});

/**
 * Verifies `request` as `provider` sends it, with that provider's options.
 * Throws `LifecycleError('invalid_argument')` for an unknown provider (own
 * keys only: `__proto__` is unknown) and for bad options or request.
 *
 * @example
 * const result = await verifyWebhook('mailgun', request, { signingKey, replayCache });
 * if (!result.ok) console.warn(result.code); // never a secret in result.message
 */
export function verifyWebhook<P extends WebhookProvider>(provider: P, request: WebhookRequest, options: VerifyOptionsByProvider[P]): Promise<VerifyResult> {
  if (typeof provider !== 'string' || !Object.prototype.hasOwnProperty.call(VERIFIERS, provider)) {
    throw new LifecycleError('invalid_argument', `verifyWebhook: unknown provider; expected one of ${Object.keys(VERIFIERS).join(', ')}`);
  }
  return (VERIFIERS[provider] as Verifier<P>)(request, options);
}
