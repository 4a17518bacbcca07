import { defineMapping, guarded, optionalText, outcome, own, record, reject, text, type ProviderResult } from './result';
import { isoFromText } from './time';

/**
 * Infobip SMS delivery report `status.groupName` / `status.name` → catalog status (SMS).
 *
 * @example INFOBIP.lookup(['DELIVERED', 'DELIVERED_TO_OPERATOR'])?.outcome // 'SUBMITTED'
 */
export const INFOBIP = defineMapping({
  fn: 'fromInfobip',
  provider: 'Infobip',
  channel: 'sms',
  fields: ['status.groupName', 'status.name'],
  reference: 'https://www.infobip.com/docs/developer-resources/api-fundamentals/message-status-codes',
  rows: [
    { match: ['PENDING'], outcome: 'SUBMITTED', note: 'processed and forwarded; handset not yet confirmed' },
    { match: ['DELIVERED', 'DELIVERED_TO_OPERATOR'], outcome: 'SUBMITTED', note: 'documented as intermediate: reached the operator, not the handset' },
    { match: ['DELIVERED', 'DELIVERED_TO_HANDSET'], outcome: 'DELIVERED' },
    { match: ['UNDELIVERABLE'], outcome: 'UNDELIVERABLE' },
    { match: ['EXPIRED'], outcome: 'EXPIRED' },
    { match: ['REJECTED'], outcome: 'FAILED', note: 'rejected by Infobip or the operator before it was sent' },
    { match: ['OK'], outcome: 'unmapped', note: 'a request status, not a delivery report' },
  ],
});

/**
 * Reads one entry of an Infobip SMS delivery report's `results` array
 * (`messageId`, `status { groupName, name }`, `doneAt`, `error`). Pass each
 * entry separately; the whole `{ results: [...] }` body is refused. A name in
 * the DELIVERED group other than the two documented ones is unmapped. Never
 * throws.
 *
 * @example
 * fromInfobip({ messageId: 'abc', doneAt: '2019-11-09T16:00:00.000+0000', status: { groupName: 'DELIVERED', name: 'DELIVERED_TO_HANDSET' } })
 * // { ok: true, event: { channel: 'sms', messageId: 'abc', status: 'DELIVERED', at: '2019-11-09T16:00:00.000Z', … } }
 */
export const fromInfobip: (payload: unknown) => ProviderResult<'sms'> = guarded('fromInfobip', (payload: unknown) => {
  const entry = record(payload, 'the report');
  if (Array.isArray(own(entry, 'results'))) {
    return reject('malformed_payload', 'fromInfobip: pass each entry of `results` separately');
  }
  const messageId = text(entry, 'messageId');
  const status = record(own(entry, 'status'), 'status');
  const group = text(status, 'groupName');
  const name = optionalText(status, 'name');
  const doneAt = optionalText(entry, 'doneAt');
  const at = doneAt === undefined ? undefined : isoFromText(doneAt, 'doneAt');
  const error = own(entry, 'error');
  const errorName = typeof error === 'object' && error !== null ? own(record(error, 'error'), 'name') : undefined;
  const values = name === undefined ? [group] : [group, name];
  const detail = values.join('/') + (typeof errorName === 'string' && errorName !== 'NO_ERROR' ? ` (${errorName})` : '');
  // Only the DELIVERED group is split by name; for the others the group decides.
  const key = group === 'DELIVERED' ? values : [group];
  return outcome(INFOBIP, key, { messageId, at, detail });
});
