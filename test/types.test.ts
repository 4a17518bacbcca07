/**
 * Type-level tests: checked by `tsc -p .` (npm run typecheck), which includes
 * test/. Each block also runs, so a wrong runtime value fails here too.
 */
import { applyStatus, checkTransition, initialStatus, nextStatuses, parseStatus, statusesFor, type ApplyResult, type Channel, type EmailStatus, type SmsStatus, type Status, type StatusOf, type TransitionCode, type TransitionResult } from '../src';
import { machineFor, smsMachine } from '../src/machines';
import type { Equal, Expect } from './support/types';

type DocumentedStatus =
  | 'REGISTERED'
  | 'SUBMITTED'
  | 'DELIVERED'
  | 'OPEN'
  | 'CLICKED'
  | 'EXPIRED'
  | 'UNDELIVERABLE'
  | 'DEFERRED'
  | 'REJECTED'
  | 'DROPPED'
  | 'FAILED';
type DocumentedCode =
  | 'unknown_channel'
  | 'unknown_status'
  | 'inapplicable_status'
  | 'duplicate'
  | 'stale'
  | 'skipped'
  | 'from_final'
  | 'illegal_transition';

export type Unions = [
  Expect<Equal<Status, DocumentedStatus>>,
  Expect<Equal<Channel, 'sms' | 'email'>>,
  Expect<Equal<TransitionCode, DocumentedCode>>,
  Expect<Equal<SmsStatus, 'REGISTERED' | 'SUBMITTED' | 'DELIVERED' | 'EXPIRED' | 'UNDELIVERABLE' | 'FAILED'>>,
  Expect<Equal<EmailStatus, 'SUBMITTED' | 'DELIVERED' | 'OPEN' | 'CLICKED' | 'DEFERRED' | 'UNDELIVERABLE' | 'REJECTED' | 'DROPPED'>>,
  Expect<Equal<StatusOf<'sms'>, SmsStatus>>,
  Expect<Equal<StatusOf<'email'>, EmailStatus>>,
  Expect<Equal<TransitionResult['ok'], boolean>>,
];

test('an invalid status literal does not type-check', () => {
  // @ts-expect-error a misspelt status is not a Status
  const misspelt: Status = 'DELIVERD';
  // @ts-expect-error letter case matters in types too
  const lower: Status = 'delivered';
  // @ts-expect-error OPEN is not an SMS status
  expect(() => nextStatuses('sms', 'OPEN')).toThrow();
  // @ts-expect-error EXPIRED is not an e-mail status
  expect(() => describeStatusOfEmail('EXPIRED')).toThrow();
  // @ts-expect-error 'SMS' is not a Channel
  const channel: Channel = 'SMS';
  expect([misspelt, lower, channel]).toEqual(['DELIVERD', 'delivered', 'SMS']);
});

function describeStatusOfEmail(status: EmailStatus): readonly EmailStatus[] {
  return nextStatuses('email', status);
}

test('per-channel functions return the channel’s own statuses', () => {
  const sms = statusesFor('sms');
  const first = initialStatus('email');
  const parsed = parseStatus('sms', ' delivered ');
  const next = nextStatuses('email', 'DELIVERED');
  const machine = machineFor('sms');
  type _ = [
    Expect<Equal<typeof sms, readonly SmsStatus[]>>,
    Expect<Equal<typeof first, EmailStatus>>,
    Expect<Equal<typeof parsed, SmsStatus>>,
    Expect<Equal<typeof next, readonly EmailStatus[]>>,
    Expect<Equal<typeof machine, typeof smsMachine>>,
  ];
  expect([sms[0], first, parsed, next[0], machine.id]).toEqual(['REGISTERED', 'SUBMITTED', 'DELIVERED', 'OPEN', 'sms']);
});

test('the result union narrows: code only after !ok, implied only on skipped', () => {
  const r = checkTransition('email', 'SUBMITTED', 'OPEN');
  // @ts-expect-error `code` is not there before narrowing
  expect(r.code).toBe('skipped');
  if (r.ok) {
    type _ = Expect<Equal<typeof r.to, EmailStatus>>;
    throw new Error('SUBMITTED → OPEN is not legal');
  }
  type _Code = Expect<Equal<typeof r.code, TransitionCode>>;
  // @ts-expect-error `implied` exists on skipped rejections only
  expect(r.implied).toEqual(['DELIVERED']);
  if (r.code !== 'skipped') throw new Error(`expected skipped, got ${r.code}`);
  type _Implied = Expect<Equal<typeof r.implied, readonly EmailStatus[]>>;
  expect(r.implied).toEqual(['DELIVERED']);
});

test('status rejections carry side and status; order rejections from and to', () => {
  const r = checkTransition('sms', 'SUBMITTED', 'OPEN');
  if (r.ok) throw new Error('OPEN is not an SMS status');
  if (r.code === 'unknown_status' || r.code === 'inapplicable_status') {
    type _ = [Expect<Equal<typeof r.side, 'from' | 'to'>>, Expect<Equal<typeof r.status, unknown>>];
    expect([r.side, r.status]).toEqual(['to', 'OPEN']);
  } else if (r.code === 'unknown_channel') {
    type _ = Expect<Equal<typeof r.channel, unknown>>;
    throw new Error('sms is a channel');
  } else {
    type _ = Expect<Equal<typeof r.from, SmsStatus>>;
    throw new Error(`expected inapplicable_status, got ${r.code}`);
  }
});

test('applyStatus results narrow on outcome', () => {
  const r: ApplyResult<EmailStatus> = applyStatus('email', 'SUBMITTED', 'OPEN');
  if (r.outcome === 'ignored') {
    type _ = Expect<Equal<typeof r.code, 'duplicate' | 'stale'>>;
  }
  // @ts-expect-error `current` must be a status of the channel
  expect(() => applyStatus('email', 'EXPIRED', 'OPEN')).toThrow();
  expect(r).toMatchObject({ outcome: 'applied', status: 'OPEN', implied: ['DELIVERED'] });
});
