import { applyStatus, reconcile } from '../src';
import { thrownCode } from './support/errors';

// reconcile's contract: a bad channel, `from` or options throws LifecycleError.
describe('misuse of reconcile and applyStatus throws LifecycleError, not TypeError', () => {
  test.each([
    ['null options', () => reconcile('sms', [], null as never)],
    ['string options', () => reconcile('sms', [], 'strict' as never)],
    ['events null', () => reconcile('sms', null as never)],
    ['events a number', () => reconcile('sms', 42 as never)],
    ['applyStatus with string options', () => applyStatus('sms', 'REGISTERED', 'SUBMITTED', 'strict' as never)],
    ['applyStatus with null options', () => applyStatus('sms', 'REGISTERED', 'SUBMITTED', null as never)],
  ])('%s → invalid_argument', (_name, call) => {
    expect(thrownCode(call)).toBe('invalid_argument');
  });

  test('a string is iterable: each character is a malformed event, nothing thrown', () => {
    expect(reconcile('sms', 'ab' as never).rejected.map((r) => r.code)).toEqual(['invalid_event', 'invalid_event']);
  });
});
