import { Malformed, defineMapping, guarded, optionalText, outcome, own, record, text, type ProviderResult } from './result';
import { isoFromText } from './time';

/**
 * Amazon SES notification / event publishing type (and bounce type, subtype) → catalog status (e-mail).
 *
 * @example SES.lookup(['Bounce', 'Permanent', 'Suppressed'])?.outcome // 'DROPPED'
 */
export const SES = defineMapping({
  fn: 'fromSes',
  provider: 'Amazon SES',
  channel: 'email',
  fields: ['eventType or notificationType', 'bounce.bounceType or complaint.complaintSubType', 'bounce.bounceSubType'],
  reference: 'https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html',
  rows: [
    { match: ['Send'], outcome: 'SUBMITTED' },
    { match: ['DeliveryDelay'], outcome: 'DEFERRED', note: 'temporary issue; SES keeps trying' },
    { match: ['Delivery'], outcome: 'DELIVERED', note: 'accepted by the recipient\'s mail server' },
    { match: ['Bounce', 'Permanent'], outcome: 'UNDELIVERABLE' },
    { match: ['Bounce', 'Permanent', 'Suppressed'], outcome: 'DROPPED', note: 'on the SES global suppression list; not sent' },
    { match: ['Bounce', 'Permanent', 'OnAccountSuppressionList'], outcome: 'DROPPED', note: 'on the account suppression list; not sent' },
    { match: ['Bounce', 'Transient'], outcome: 'REJECTED', note: 'SES reports soft bounces only once it has stopped retrying' },
    { match: ['Bounce', 'Undetermined'], outcome: 'UNDELIVERABLE', note: 'SES could not tell the reason' },
    { match: ['Reject'], outcome: 'DROPPED', note: 'virus found; SES did not try' },
    { match: ['Rendering Failure'], outcome: 'DROPPED', note: 'template rendering failed; not sent' },
    { match: ['Open'], outcome: 'OPEN' },
    { match: ['Click'], outcome: 'CLICKED' },
    { match: ['Complaint'], outcome: 'side_event', note: 'spam complaint' },
    {
      match: ['Complaint', 'OnAccountSuppressionList'],
      outcome: 'DROPPED',
      note: 'not a complaint: SES accepted the message but did not try to send it (account-level suppression list)',
    },
    { match: ['Subscription'], outcome: 'side_event', note: 'subscription preferences changed' },
    { match: ['Received'], outcome: 'unmapped', note: 'inbound mail' },
  ],
});

/** The object that carries each type's own timestamp. */
const DETAIL_OBJECT: ReadonlyMap<string, string> = new Map([
  ['Delivery', 'delivery'],
  ['DeliveryDelay', 'deliveryDelay'],
  ['Bounce', 'bounce'],
  ['Complaint', 'complaint'],
  ['Open', 'open'],
  ['Click', 'click'],
  ['Subscription', 'subscription'],
]);

function unwrapSns(payload: unknown): unknown {
  if (typeof payload !== 'object' || payload === null) return payload;
  const envelope = record(payload, 'the notification');
  const inner = own(envelope, 'Message');
  if (own(envelope, 'Type') !== 'Notification' || typeof inner !== 'string') return payload;
  if (inner.length > 256 * 1024) throw new Malformed('the SNS Message is too large');
  try {
    return JSON.parse(inner);
  } catch {
    throw new Malformed('the SNS Message is not JSON');
  }
}

/**
 * Reads an Amazon SES record: an event-publishing record (`eventType`), a
 * notification (`notificationType`), or either one inside an SNS envelope
 * (`{ Type: 'Notification', Message: '<json>' }`). `messageId` is
 * `mail.messageId`; `id` is the bounce's or complaint's `feedbackId`; `at` is
 * the type's own timestamp, else `mail.timestamp`. A Complaint is a side
 * event, except with `complaintSubType: 'OnAccountSuppressionList'`: SES
 * did not try to send the message, which is DROPPED. Never throws.
 *
 * @example
 * fromSes({ eventType: 'Bounce', mail: { messageId: '0100…' }, bounce: { bounceType: 'Transient', bounceSubType: 'MailboxFull', timestamp: '2026-01-01T00:00:00.000Z' } })
 * // { ok: true, event: { channel: 'email', status: 'REJECTED', detail: 'Bounce/Transient/MailboxFull', … } }
 */
export const fromSes: (payload: unknown) => ProviderResult<'email'> = guarded('fromSes', (payload: unknown) => {
  const body = record(unwrapSns(payload), 'the record');
  const type = optionalText(body, 'eventType') ?? text(body, 'notificationType');
  const mail = record(own(body, 'mail'), 'mail');
  const messageId = text(mail, 'messageId');
  const key = DETAIL_OBJECT.get(type);
  const detailObject = key === undefined || own(body, key) === undefined ? undefined : record(own(body, key), key);
  const stamp = (detailObject === undefined ? undefined : optionalText(detailObject, 'timestamp')) ?? optionalText(mail, 'timestamp');
  const at = stamp === undefined ? undefined : isoFromText(stamp, 'timestamp');
  const id = detailObject === undefined ? undefined : optionalText(detailObject, 'feedbackId');
  const values = [type];
  if (type === 'Bounce') {
    if (detailObject === undefined) throw new Malformed('a Bounce without its bounce object');
    values.push(text(detailObject, 'bounceType'));
    const sub = optionalText(detailObject, 'bounceSubType');
    if (sub !== undefined) values.push(sub);
  } else if (type === 'Complaint' && detailObject !== undefined) {
    // AWS reports a send suppressed by the account-level list as a Complaint with this subtype.
    const sub = optionalText(detailObject, 'complaintSubType');
    if (sub !== undefined) values.push(sub);
  }
  return outcome(SES, values, { messageId, id, at });
});
