export { createMemoryReplayCache, type MemoryReplayCacheOptions } from './replay-cache';
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
