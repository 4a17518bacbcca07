import { Malformed, accept, defineMapping, finalOn, guarded, optionalText, outcome, own, record, text, type ProviderResult } from './result';
import { isoFromEpochMs } from './time';

/**
 * AWS End User Messaging SMS event `eventType` → catalog status (SMS).
 *
 * @example AWS_SMS.lookup(['TEXT_TTL_EXPIRED'])?.outcome // 'EXPIRED'
 */
export const AWS_SMS = defineMapping({
  fn: 'fromAwsSms',
  provider: 'AWS End User Messaging SMS',
  channel: 'sms',
  fields: ['eventType'],
  reference: 'https://docs.aws.amazon.com/sms-voice/latest/userguide/configuration-sets-event-types.html',
  rows: [
    { match: ['TEXT_QUEUED'], outcome: 'SUBMITTED' },
    { match: ['TEXT_PENDING'], outcome: 'SUBMITTED' },
    { match: ['TEXT_SUCCESSFUL'], outcome: 'DELIVERED', note: 'AWS: used interchangeably with TEXT_DELIVERED depending on the country' },
    { match: ['TEXT_DELIVERED'], outcome: 'DELIVERED' },
    { match: ['TEXT_TTL_EXPIRED'], outcome: 'EXPIRED' },
    { match: ['TEXT_CARRIER_UNREACHABLE'], outcome: 'UNDELIVERABLE', note: 'SUBMITTED while isFinal is false' },
    { match: ['TEXT_UNREACHABLE'], outcome: 'UNDELIVERABLE', note: 'SUBMITTED while isFinal is false' },
    { match: ['TEXT_INVALID'], outcome: 'UNDELIVERABLE', note: 'invalid destination number' },
    { match: ['TEXT_BLOCKED'], outcome: 'UNDELIVERABLE' },
    { match: ['TEXT_CARRIER_BLOCKED'], outcome: 'UNDELIVERABLE' },
    { match: ['TEXT_SPAM'], outcome: 'UNDELIVERABLE' },
    { match: ['TEXT_INVALID_MESSAGE'], outcome: 'FAILED', note: 'the body could not be sent' },
    { match: ['TEXT_PROTECT_BLOCKED'], outcome: 'FAILED', note: 'stopped by your own protect configuration' },
    { match: ['TEXT_UNKNOWN'], outcome: 'unmapped', note: 'temporary or permanent, AWS cannot tell' },
  ],
});

/**
 * Reads an AWS End User Messaging SMS event record (`eventType`, `messageId`,
 * `eventTimestamp` in ms, `isFinal`, `messageStatus`). AWS marks whether an
 * event is final; a failure it marks `isFinal: false` is reported as
 * SUBMITTED (more will follow), never as a final status. Never throws.
 *
 * @example
 * fromAwsSms({ eventType: 'TEXT_DELIVERED', messageId: '862a…', eventTimestamp: 1686975103470, isFinal: true })
 * // { ok: true, event: { channel: 'sms', status: 'DELIVERED', at: '2023-06-17T04:11:43.470Z', … } }
 */
export const fromAwsSms: (payload: unknown) => ProviderResult<'sms'> = guarded('fromAwsSms', (payload: unknown) => {
  const event = record(payload, 'the event');
  const eventType = text(event, 'eventType');
  const messageId = text(event, 'messageId');
  const stamp = own(event, 'eventTimestamp');
  const at = stamp === undefined ? undefined : isoFromEpochMs(stamp, 'eventTimestamp');
  const isFinal = own(event, 'isFinal');
  if (isFinal !== undefined && typeof isFinal !== 'boolean') throw new Malformed('isFinal must be a boolean');
  const messageStatus = optionalText(event, 'messageStatus');
  const detail = messageStatus === undefined ? eventType : `${eventType}/${messageStatus}`;
  const result = outcome(AWS_SMS, [eventType], { messageId, at, detail });
  if (result.ok && isFinal === false && finalOn('sms', result.event.status)) {
    return accept('sms', 'SUBMITTED', messageId, undefined, at, `${detail} (isFinal: false)`);
  }
  return result;
});
