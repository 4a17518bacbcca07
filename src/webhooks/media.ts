// The media types each provider sends its callbacks with (others answer 415).
// Kept apart from ./providers so that checking them loads no mapping code.
import type { WebhookProvider } from './types';

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

/** By provider; Amazon SNS posts `text/plain`. */
export const MEDIA_TYPES: Readonly<Record<WebhookProvider, readonly string[]>> = Object.freeze({
  twilio: [FORM, JSON_TYPE],
  sendgrid: [JSON_TYPE],
  mailgun: [JSON_TYPE],
  postmark: [JSON_TYPE],
  ses: ['text/plain', JSON_TYPE],
  'aws-sms': ['text/plain', JSON_TYPE],
  vonage: [JSON_TYPE, FORM],
  infobip: [JSON_TYPE],
});
