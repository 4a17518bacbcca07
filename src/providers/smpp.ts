import { Malformed, accept, defineMapping, guarded, own, record, reject, type ProviderResult } from './result';
import { isoFromSmppDate } from './time';

/**
 * SMPP delivery receipt `stat` (SMPP 3.4 Appendix B) → catalog status (SMS).
 *
 * @example SMPP.lookup(['DELIVRD'])?.outcome // 'DELIVERED'
 */
export const SMPP = defineMapping({
  fn: 'fromSmppReceipt',
  provider: 'SMPP',
  channel: 'sms',
  fields: ['stat'],
  reference: 'SMPP v3.4 Issue 1.2, Appendix B and section 5.2.28 (message_state)',
  rows: [
    { match: ['ENROUTE'], outcome: 'SUBMITTED', note: 'still active in the SMSC' },
    { match: ['ACCEPTD'], outcome: 'SUBMITTED', note: 'aggregators use it for "accepted by the operator"; SMPP 3.4 means read on the subscriber\'s behalf, which is not delivery either' },
    { match: ['DELIVRD'], outcome: 'DELIVERED' },
    { match: ['EXPIRED'], outcome: 'EXPIRED', note: 'validity period passed' },
    { match: ['UNDELIV'], outcome: 'UNDELIVERABLE' },
    { match: ['REJECTD'], outcome: 'UNDELIVERABLE', note: 'refused by the network' },
    { match: ['DELETED'], outcome: 'UNDELIVERABLE', note: 'deleted from the SMSC; no further attempts' },
    { match: ['UNKNOWN'], outcome: 'unmapped', note: 'the SMSC does not know' },
    { match: ['SKIPPED'], outcome: 'unmapped', note: 'SMPP 5.0 broadcast state: accepted but not transmitted' },
  ],
});

/** The `message_state` TLV (0x0427) values 1–9 as receipt `stat` words. */
export const SMPP_MESSAGE_STATES: Readonly<Record<number, string>> = Object.freeze({
  1: 'ENROUTE',
  2: 'DELIVRD',
  3: 'EXPIRED',
  4: 'DELETED',
  5: 'UNDELIV',
  6: 'ACCEPTD',
  7: 'UNKNOWN',
  8: 'REJECTD',
  9: 'SKIPPED',
});

const FIELD = /(?:^|\s)(id|sub|dlvrd|submit[ _]date|done[ _]date|stat|err):(\S*)/gi;

interface Receipt {
  readonly fields: Map<string, string>;
}

function parseReceipt(input: string): Receipt {
  if (input.length > 1024) throw new Malformed('the receipt text is too long');
  // The free `text:` part comes last and may hold anything, "stat:" included.
  const cut = /(?:^|\s)text:/i.exec(input);
  const head = cut === null ? input : input.slice(0, cut.index);
  const fields = new Map<string, string>();
  for (const m of head.matchAll(FIELD)) {
    const key = m[1].toLowerCase().replace('_', ' ');
    if (fields.has(key)) throw new Malformed(`the receipt repeats ${key}`);
    fields.set(key, m[2]);
  }
  if (fields.size === 0) throw new Malformed('not an SMPP delivery receipt text');
  return { fields };
}

/** A receipt text, or `undefined` for text that is not one (or not a well-formed one). */
function parseOptionalReceipt(input: string): Receipt | undefined {
  try {
    return parseReceipt(input);
  } catch (error) {
    if (error instanceof Malformed) return undefined;
    throw error;
  }
}

function messageState(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'string' && /^\d{1,2}$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 9) {
    throw new Malformed(`message_state must be an integer from 1 to 9, got ${String(value).slice(0, 16)}`);
  }
  return SMPP_MESSAGE_STATES[n];
}

/**
 * Reads an SMPP delivery receipt: either the receipt text of a `deliver_sm`
 * (`id:… sub:… dlvrd:… submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:…
 * err:… text:…`) or an object with the PDU's `short_message` (a string or
 * `{ message }`), and the optional TLVs `message_state` (1–9) and
 * `receipted_message_id`. Field names and `stat` are read in any letter case;
 * `text` may be missing. `at` is the done date read as UTC, since the
 * receipt carries no zone (`YYMMDDhhmm`, `YYMMDDhhmmss`, `YYYYMMDDhhmm` or
 * `YYYYMMDDhhmmss`); a date that cannot be read leaves `at` out and its text
 * in `detail`, and never costs the status. A `message_state` that
 * contradicts `stat` is `malformed_payload`. The TLV message id wins over
 * the text's `id` (the text may truncate it); with both TLVs, a
 * `short_message` that is not receipt text is ignored.
 * Never throws.
 *
 * @example
 * fromSmppReceipt('id:0123 sub:001 dlvrd:001 submit date:1601010100 done date:1601010101 stat:DELIVRD err:000')
 * // { ok: true, event: { channel: 'sms', messageId: '0123', status: 'DELIVERED', at: '2016-01-01T01:01:00.000Z', … } }
 */
export const fromSmppReceipt: (payload: unknown) => ProviderResult<'sms'> = guarded('fromSmppReceipt', (payload: unknown) => {
  let textPart: unknown;
  let tlvState: string | undefined;
  let tlvId: unknown;
  if (typeof payload === 'string') textPart = payload;
  else {
    const pdu = record(payload, 'the receipt');
    const sm = own(pdu, 'short_message');
    textPart = typeof sm === 'object' && sm !== null ? own(record(sm, 'short_message'), 'message') : sm;
    tlvState = messageState(own(pdu, 'message_state'));
    tlvId = own(pdu, 'receipted_message_id');
    if (tlvId !== undefined && tlvId !== null && (typeof tlvId !== 'string' || tlvId.length === 0 || tlvId.length > 256)) {
      throw new Malformed('receipted_message_id must be a non-empty string');
    }
  }
  if (textPart !== undefined && textPart !== null && typeof textPart !== 'string') throw new Malformed('short_message must be text');
  // Some SMSCs put other text in short_message and the receipt in the TLVs
  // alone: with both TLVs, a text that is not a receipt is not read.
  const tlvsSuffice = tlvState !== undefined && typeof tlvId === 'string';
  const receipt = typeof textPart === 'string' && textPart.trim() !== '' ? (tlvsSuffice ? parseOptionalReceipt(textPart) : parseReceipt(textPart)) : undefined;
  if (receipt === undefined && tlvState === undefined) throw new Malformed('neither a receipt text nor a message_state TLV');

  const textStat = receipt?.fields.get('stat')?.toUpperCase();
  if (textStat !== undefined && textStat === '') throw new Malformed('stat is empty');
  const stat = tlvState ?? textStat;
  if (stat === undefined) throw new Malformed('the receipt has no stat');
  if (tlvState !== undefined && textStat !== undefined && SMPP.lookup([textStat])?.outcome !== SMPP.lookup([tlvState])?.outcome) {
    throw new Malformed(`message_state ${tlvState} contradicts stat:${textStat}`);
  }
  const messageId = (typeof tlvId === 'string' ? tlvId : undefined) ?? receipt?.fields.get('id');
  if (messageId === undefined || messageId === '') throw new Malformed('the receipt has no message id');
  const done = receipt?.fields.get('done date');
  // A date in a vendor's own layout must not cost a clear status: the status stays, the time goes, its text goes to detail.
  const at = done === undefined ? undefined : isoFromSmppDate(done);
  const err = receipt?.fields.get('err');
  const unread = done !== undefined && at === undefined ? ` (done date ${JSON.stringify(done.slice(0, 32))} unreadable)` : '';
  const detail = (err === undefined || err === '' ? stat : `${stat} err:${err}`) + unread;

  const row = SMPP.lookup([stat]);
  if (row === undefined) return reject('unmapped_status', `fromSmppReceipt: stat ${JSON.stringify(stat.slice(0, 16))} is not an SMPP message state`, messageId, detail);
  if (row.outcome === 'unmapped' || row.outcome === 'side_event') {
    return reject('unmapped_status', `fromSmppReceipt: ${stat} has no catalog status (${row.note ?? ''})`, messageId, detail);
  }
  return accept('sms', row.outcome, messageId, undefined, at, detail);
});
