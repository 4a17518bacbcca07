import { LifecycleError, TRANSITION_CODES, isLifecycleError } from '../src';

test('LifecycleError is an Error with code, channel, from and to', () => {
  const cause = new Error('underlying');
  const error = new LifecycleError('stale', 'late report', { channel: 'sms', from: 'DELIVERED', to: 'SUBMITTED', cause });
  expect(error).toBeInstanceOf(Error);
  expect(error).toBeInstanceOf(LifecycleError);
  expect(error.name).toBe('LifecycleError');
  expect(error.message).toBe('late report');
  expect({ code: error.code, channel: error.channel, from: error.from, to: error.to, cause: error.cause }).toEqual({
    code: 'stale',
    channel: 'sms',
    from: 'DELIVERED',
    to: 'SUBMITTED',
    cause,
  });
  expect(error.stack).toContain('LifecycleError');
});

test('details are optional', () => {
  const error = new LifecycleError('invalid_argument', 'bad');
  expect([error.channel, error.from, error.to, error.cause]).toEqual([undefined, undefined, undefined, undefined]);
});

test('isLifecycleError and instanceof recognise instances from another copy of the package', () => {
  // What a LifecycleError from the other build (ESM next to CJS) looks like from here.
  class ForeignLifecycleError extends Error {
    readonly code = 'stale';
    constructor() {
      super('foreign');
      Object.defineProperty(this, Symbol.for('delivery-lifecycle.LifecycleError'), { value: true });
    }
  }
  const foreign = new ForeignLifecycleError();
  expect(foreign).toBeInstanceOf(LifecycleError);
  expect(isLifecycleError(foreign)).toBe(true);
  expect(isLifecycleError(new LifecycleError('duplicate', 'x'))).toBe(true);
});

test('isLifecycleError refuses look-alikes and non-errors', () => {
  for (const value of [
    new Error('plain'),
    Object.assign(new Error('coded'), { code: 'stale', name: 'LifecycleError' }),
    { code: 'stale', message: 'm', name: 'LifecycleError' },
    { [Symbol('delivery-lifecycle.LifecycleError')]: true },
    { [Symbol.for('delivery-lifecycle.LifecycleError')]: 'yes' },
    null,
    undefined,
    'LifecycleError',
    42,
  ]) {
    expect(isLifecycleError(value)).toBe(false);
  }
});

test('TRANSITION_CODES lists the ordering table in order', () => {
  expect(TRANSITION_CODES).toEqual([
    'unknown_channel',
    'unknown_status',
    'inapplicable_status',
    'duplicate',
    'skipped',
    'stale',
    'from_final',
    'illegal_transition',
  ]);
});
