import { defineMapping, guarded, optionalId, optionalText, outcome, own, record, reject, text, type ProviderResult } from './result';
import { isoFromUnixSeconds } from './time';

/**
 * SendGrid Event Webhook `event` (and `type` for bounces) → catalog status (e-mail).
 *
 * @example SENDGRID.lookup(['bounce', 'blocked'])?.outcome // 'REJECTED'
 */
export const SENDGRID = defineMapping({
  fn: 'fromSendGrid',
  provider: 'SendGrid',
  channel: 'email',
  fields: ['event', 'type'],
  reference: 'https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/event',
  rows: [
    { match: ['processed'], outcome: 'SUBMITTED' },
    { match: ['deferred'], outcome: 'DEFERRED', note: 'temporary refusal; SendGrid retries for up to 72 h' },
    { match: ['delivered'], outcome: 'DELIVERED' },
    { match: ['bounce', 'bounce'], outcome: 'UNDELIVERABLE', note: 'permanent refusal' },
    { match: ['bounce', 'blocked'], outcome: 'REJECTED', note: 'blocked (e.g. after 72 h of deferrals); not re-attempted' },
    { match: ['dropped'], outcome: 'DROPPED', note: 'SendGrid did not send it (suppression, invalid, spam content)' },
    { match: ['open'], outcome: 'OPEN' },
    { match: ['click'], outcome: 'CLICKED' },
    { match: ['spamreport'], outcome: 'side_event' },
    { match: ['unsubscribe'], outcome: 'side_event' },
    { match: ['group_unsubscribe'], outcome: 'side_event' },
    { match: ['group_resubscribe'], outcome: 'side_event' },
  ],
});

const fromSendGridEvent = guarded('fromSendGrid', (entry: unknown) => {
  const event = record(entry, 'the event');
  const name = text(event, 'event');
  const messageId = text(event, 'sg_message_id');
  const id = optionalId(event, 'sg_event_id');
  const stamp = own(event, 'timestamp');
  const at = stamp === undefined ? undefined : isoFromUnixSeconds(stamp, 'timestamp');
  // A bounce without its documented `type` cannot tell UNDELIVERABLE from REJECTED: say what is missing.
  const type = name === 'bounce' ? optionalText(event, 'type') : undefined;
  const reason = optionalText(event, 'reason');
  if (name === 'bounce' && type === undefined) {
    const message = 'fromSendGrid: a bounce needs its "type" ("bounce" or "blocked") to tell UNDELIVERABLE from REJECTED; it is missing';
    return reject('unmapped_status', message, messageId, `bounce${reason === undefined ? '' : `: ${reason.slice(0, 200)}`}`);
  }
  const values = type === undefined ? [name] : [name, type];
  return outcome(SENDGRID, values, { messageId, id, at, detail: values.join('/') + (reason === undefined ? '' : `: ${reason.slice(0, 200)}`) });
});

/**
 * Reads a SendGrid Event Webhook POST (a JSON array of events) into one result
 * per event, in order; a broken event gives its own `malformed_payload` and
 * does not spoil the others. `messageId` is `sg_message_id` as given, `id` is
 * `sg_event_id` (SendGrid documents duplicates: dedupe on it), `at` is
 * `timestamp` (Unix seconds). A body that is not an array gives a single
 * `malformed_payload`. Never throws.
 *
 * @example
 * const results = fromSendGrid(req.body)
 * reconcile('email', results.flatMap((r) => (r.ok ? [r.event] : [])))
 */
export function fromSendGrid(payload: unknown): ProviderResult<'email'>[] {
  if (!Array.isArray(payload)) {
    return [reject('malformed_payload', 'fromSendGrid: the webhook body must be a JSON array of events')];
  }
  const results: ProviderResult<'email'>[] = [];
  for (let i = 0; i < payload.length; i++) results.push(fromSendGridEvent(payload[i]));
  return results;
}
