import { AWS_SMS } from './aws-sms';
import { INFOBIP } from './infobip';
import { MAILGUN } from './mailgun';
import { POSTMARK } from './postmark';
import { SENDGRID } from './sendgrid';
import { SES } from './ses';
import { SMPP } from './smpp';
import { TWILIO } from './twilio';
import { VONAGE } from './vonage';

/**
 * Every provider's mapping table, SMS first, as data: https://github.com/delivery-lifecycle/delivery-lifecycle/blob/main/docs/providers.md is
 * generated from this list.
 *
 * @example
 * for (const m of PROVIDER_MAPPINGS) console.log(m.fn, m.rows.length)
 */
export const PROVIDER_MAPPINGS = Object.freeze([TWILIO, SMPP, VONAGE, INFOBIP, AWS_SMS, SENDGRID, SES, MAILGUN, POSTMARK] as const);
