export {
  createWebhookHandler,
  type WebhookEntryResult,
  type WebhookHandler,
  type WebhookHandlerOptions,
  type WebhookRejection,
  type WebhookStore,
} from './handler';
export { verifyInfobip, type InfobipVerifyOptions } from './infobip';
export { verifyMailgun, type MailgunVerifyOptions } from './mailgun';
export { verifyPostmark, type PostmarkVerifyOptions } from './postmark';
export { toNodeListener, type NodeListener } from './node';
export { createMemoryReplayCache, type MemoryReplayCacheOptions } from './replay-cache';
export { verifySendGrid, type SendGridVerifyOptions } from './sendgrid';
export { isSnsUrl, verifySns, type SnsVerifyOptions } from './sns';
export { verifyTwilio, type TwilioVerifyOptions } from './twilio';
export {
  type CommonVerifyOptions,
  type ReplayCache,
  type VerifyCode,
  type VerifyFailure,
  type VerifyOk,
  type VerifyResult,
  type WebhookProvider,
  type WebhookRequest,
} from './types';
export { VERIFIERS, verifyWebhook, type Verifier, type VerifyOptionsByProvider } from './verify';
export { verifyVonage, type VonageSignatureMethod, type VonageVerifyOptions } from './vonage';
