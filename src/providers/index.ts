export { AWS_SMS, fromAwsSms } from './aws-sms';
export { INFOBIP, fromInfobip } from './infobip';
export { MAILGUN, fromMailgun } from './mailgun';
export { PROVIDER_MAPPINGS } from './mappings';
export { POSTMARK, fromPostmark } from './postmark';
export {
  type CompiledMapping,
  type MappingRow,
  type Outcome,
  type ProviderCode,
  type ProviderEvent,
  type ProviderMapping,
  type ProviderRejection,
  type ProviderResult,
} from './result';
export { SENDGRID, fromSendGrid } from './sendgrid';
export { SES, fromSes } from './ses';
export { SMPP, SMPP_MESSAGE_STATES, fromSmppReceipt } from './smpp';
export { TWILIO, fromTwilio } from './twilio';
export { VONAGE, fromVonage } from './vonage';
