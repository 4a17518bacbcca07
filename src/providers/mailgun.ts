import { defineMapping, guarded, optionalId, optionalText, outcome, own, record, text, type ProviderResult } from './result';
import { isoFromUnixSeconds } from './time';

/**
 * Mailgun webhook `event` (and `severity`, `reason` for failures) → catalog status (e-mail).
 *
 * @example MAILGUN.lookup(['failed', 'temporary', 'generic'])?.outcome // 'DEFERRED'
 */
export const MAILGUN = defineMapping({
  fn: 'fromMailgun',
  provider: 'Mailgun',
  channel: 'email',
  fields: ['event-data.event', 'event-data.severity', 'event-data.reason'],
  reference: 'https://documentation.mailgun.com/docs/mailgun/user-manual/events/event-types',
  rows: [
    { match: ['accepted'], outcome: 'SUBMITTED' },
    { match: ['delivered'], outcome: 'DELIVERED' },
    { match: ['failed', 'temporary'], outcome: 'DEFERRED', note: 'temporarily rejected; Mailgun retries' },
    { match: ['failed', 'permanent'], outcome: 'UNDELIVERABLE' },
    { match: ['failed', 'permanent', 'suppress-bounce'], outcome: 'DROPPED', note: 'not sent: an earlier bounce' },
    { match: ['failed', 'permanent', 'suppress-unsubscribe'], outcome: 'DROPPED', note: 'not sent: an earlier unsubscribe' },
    { match: ['failed', 'permanent', 'suppress-complaint'], outcome: 'DROPPED', note: 'not sent: an earlier complaint' },
    { match: ['rejected'], outcome: 'DROPPED', note: 'Mailgun refused the request to send' },
    { match: ['opened'], outcome: 'OPEN' },
    { match: ['clicked'], outcome: 'CLICKED' },
    { match: ['unsubscribed'], outcome: 'side_event' },
    { match: ['complained'], outcome: 'side_event', note: 'spam complaint' },
    { match: ['stored'], outcome: 'unmapped', note: 'inbound message stored' },
  ],
});

/**
 * Reads a Mailgun webhook body (`{ signature, 'event-data' }`, or the
 * `event-data` object alone). `messageId` is
 * `event-data.message.headers['message-id']` as given (no angle brackets),
 * `id` is `event-data.id`, `at` is `event-data.timestamp` (Unix seconds).
 * Verify the signature before calling this. Never throws.
 *
 * @example
 * fromMailgun({ 'event-data': { event: 'failed', severity: 'temporary', reason: 'generic', id: 'x', timestamp: 1521472262.9, message: { headers: { 'message-id': 'a@b' } } } })
 * // { ok: true, event: { channel: 'email', messageId: 'a@b', status: 'DEFERRED', … } }
 */
export const fromMailgun: (payload: unknown) => ProviderResult<'email'> = guarded('fromMailgun', (payload: unknown) => {
  const body = record(payload, 'the webhook body');
  const data = own(body, 'event-data') === undefined ? body : record(own(body, 'event-data'), 'event-data');
  const event = text(data, 'event');
  const message = record(own(data, 'message'), 'message');
  const headers = record(own(message, 'headers'), 'message.headers');
  const messageId = text(headers, 'message-id');
  const id = optionalId(data, 'id');
  const stamp = own(data, 'timestamp');
  const at = stamp === undefined ? undefined : isoFromUnixSeconds(stamp, 'timestamp');
  const values = [event];
  if (event === 'failed') {
    values.push(text(data, 'severity'));
    const reason = optionalText(data, 'reason');
    if (reason !== undefined) values.push(reason);
  }
  return outcome(MAILGUN, values, { messageId, id, at });
});
