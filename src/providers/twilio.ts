import { defineMapping, guarded, optionalText, outcome, record, text, type ProviderResult } from './result';

/**
 * Twilio Programmable Messaging `MessageStatus` → catalog status (SMS).
 * Statuses before the hand-over to a carrier are REGISTERED: Twilio documents
 * queued/accepted/scheduled as still inside Twilio.
 *
 * @example TWILIO.lookup(['delivered'])?.outcome // 'DELIVERED'
 */
export const TWILIO = defineMapping({
  fn: 'fromTwilio',
  provider: 'Twilio',
  channel: 'sms',
  fields: ['MessageStatus'],
  reference: 'https://www.twilio.com/docs/messaging/guides/outbound-message-status-in-status-callbacks',
  rows: [
    { match: ['accepted'], outcome: 'REGISTERED', note: 'Messaging Service is choosing a sender; not yet sent' },
    { match: ['scheduled'], outcome: 'REGISTERED', note: 'waiting for its send time' },
    { match: ['queued'], outcome: 'REGISTERED', note: 'queued inside Twilio; not yet sent to a carrier' },
    { match: ['sending'], outcome: 'SUBMITTED', note: 'being dispatched to the upstream carrier' },
    { match: ['sent'], outcome: 'SUBMITTED', note: 'the upstream carrier accepted it' },
    { match: ['delivered'], outcome: 'DELIVERED' },
    { match: ['undelivered'], outcome: 'UNDELIVERABLE', note: 'a delivery receipt said not delivered' },
    { match: ['failed'], outcome: 'FAILED', note: 'could not be sent (queue overflow, suspension, media error)' },
    { match: ['read'], outcome: 'unmapped', note: 'read receipts exist for WhatsApp/RCS, not SMS' },
    { match: ['canceled'], outcome: 'unmapped', note: 'a scheduled message the sender cancelled' },
    { match: ['partially_delivered'], outcome: 'unmapped', note: 'some parts only; no catalog status says that' },
    { match: ['receiving'], outcome: 'unmapped', note: 'inbound message' },
    { match: ['received'], outcome: 'unmapped', note: 'inbound message' },
  ],
});

/**
 * Reads a Twilio status callback (the form fields, parsed into an object).
 * Uses `MessageSid` (or the older `SmsSid`) and `MessageStatus` (or
 * `SmsStatus`); `ErrorCode` goes into `detail`. Twilio callbacks carry no
 * time and no event id. Never throws.
 *
 * @example
 * fromTwilio({ MessageSid: 'SM1f…', MessageStatus: 'delivered' })
 * // { ok: true, event: { channel: 'sms', messageId: 'SM1f…', status: 'DELIVERED', detail: 'delivered' } }
 */
export const fromTwilio: (payload: unknown) => ProviderResult<'sms'> = guarded('fromTwilio', (payload: unknown) => {
  const body = record(payload, 'the callback');
  const messageId = optionalText(body, 'MessageSid') ?? text(body, 'SmsSid');
  const status = optionalText(body, 'MessageStatus') ?? text(body, 'SmsStatus');
  const error = optionalText(body, 'ErrorCode');
  return outcome(TWILIO, [status], { messageId, detail: error === undefined ? status : `${status} (error ${error})` });
});
