import { Malformed, defineMapping, guarded, optionalId, optionalText, outcome, own, record, text, type ProviderResult } from './result';
import { isoFromText } from './time';

/**
 * Postmark webhook `RecordType` (and bounce `Type`) → catalog status (e-mail).
 *
 * @example POSTMARK.lookup(['Bounce', 'SoftBounce'])?.outcome // 'REJECTED'
 */
export const POSTMARK = defineMapping({
  fn: 'fromPostmark',
  provider: 'Postmark',
  channel: 'email',
  fields: ['RecordType', 'Type'],
  reference: 'https://postmarkapp.com/developer/webhooks/webhooks-overview',
  rows: [
    { match: ['Delivery'], outcome: 'DELIVERED', note: 'the receiving server answered OK' },
    { match: ['Bounce', 'HardBounce'], outcome: 'UNDELIVERABLE', note: 'unknown user, mailbox not found' },
    { match: ['Bounce', 'BadEmailAddress'], outcome: 'UNDELIVERABLE', note: 'not a valid address' },
    { match: ['Bounce', 'Transient'], outcome: 'DEFERRED', note: 'message delayed; still being tried' },
    { match: ['Bounce', 'DnsError'], outcome: 'DEFERRED', note: 'a temporary DNS error' },
    { match: ['Bounce', 'SoftBounce'], outcome: 'REJECTED', note: 'temporary reason (mailbox full, over quota); reported as a bounce, not a delay' },
    { match: ['Bounce', 'Blocked'], outcome: 'unmapped', note: 'listed by Postmark\'s client, undescribed: permanent or not is unknown' },
    { match: ['Bounce', 'TemplateRenderingFailed'], outcome: 'DROPPED', note: 'by its name: the template failed, nothing was sent' },
    { match: ['Bounce', 'AutoResponder'], outcome: 'side_event', note: 'an automatic reply' },
    { match: ['Bounce', 'Unsubscribe'], outcome: 'side_event' },
    { match: ['Bounce', 'Subscribe'], outcome: 'side_event' },
    { match: ['Bounce', 'AddressChange'], outcome: 'side_event' },
    { match: ['Bounce', 'SpamComplaint'], outcome: 'side_event' },
    { match: ['Bounce', 'SpamNotification'], outcome: 'unmapped', note: 'delivered, but blocked or filed as spam: no single status' },
    { match: ['Bounce', 'ChallengeVerification'], outcome: 'unmapped', note: 'held until the sender answers a challenge' },
    { match: ['Bounce', 'VirusNotification'], outcome: 'unmapped' },
    { match: ['Bounce', 'ManuallyDeactivated'], outcome: 'unmapped' },
    { match: ['Bounce', 'Unknown'], outcome: 'unmapped' },
    { match: ['Bounce', 'OpenRelayTest'], outcome: 'unmapped' },
    { match: ['Bounce', 'Unconfirmed'], outcome: 'unmapped' },
    { match: ['Bounce', 'SMTPApiError'], outcome: 'unmapped' },
    { match: ['Bounce', 'InboundError'], outcome: 'unmapped', note: 'inbound mail' },
    { match: ['Bounce', 'DMARCPolicy'], outcome: 'unmapped' },
    { match: ['Open'], outcome: 'OPEN' },
    { match: ['Click'], outcome: 'CLICKED' },
    { match: ['SpamComplaint'], outcome: 'side_event' },
    { match: ['SubscriptionChange'], outcome: 'side_event' },
  ],
});

const TIME_FIELD: ReadonlyMap<string, string> = new Map([
  ['Delivery', 'DeliveredAt'],
  ['Bounce', 'BouncedAt'],
  ['SpamComplaint', 'BouncedAt'],
  ['Open', 'ReceivedAt'],
  ['Click', 'ReceivedAt'],
  ['SubscriptionChange', 'ChangedAt'],
]);

/**
 * Reads a Postmark webhook (`RecordType` Delivery, Bounce, SpamComplaint,
 * Open, Click or SubscriptionChange). `messageId` is `MessageID`; `id` is a
 * bounce's `ID` when it survived JSON.parse as a safe integer; `at` is the
 * record's own time field. Postmark sends no "sent" record, so nothing maps
 * to SUBMITTED. Never throws.
 *
 * @example
 * fromPostmark({ RecordType: 'Delivery', MessageID: '883953f4-…', DeliveredAt: '2019-11-05T16:33:54.9070259Z' })
 * // { ok: true, event: { channel: 'email', status: 'DELIVERED', at: '2019-11-05T16:33:54.907Z', … } }
 */
export const fromPostmark: (payload: unknown) => ProviderResult<'email'> = guarded('fromPostmark', (payload: unknown) => {
  const body = record(payload, 'the webhook body');
  const recordType = text(body, 'RecordType');
  const messageId = text(body, 'MessageID');
  const timeField = TIME_FIELD.get(recordType);
  const stamp = timeField === undefined ? undefined : optionalText(body, timeField);
  const at = stamp === undefined ? undefined : isoFromText(stamp, timeField as string);
  const values = [recordType];
  if (recordType === 'Bounce') {
    const type = own(body, 'Type');
    if (typeof type !== 'string' || type === '') throw new Malformed('a Bounce without its Type');
    values.push(type);
  }
  const id = recordType === 'Bounce' ? optionalId(body, 'ID') : undefined;
  return outcome(POSTMARK, values, { messageId, id, at });
});
