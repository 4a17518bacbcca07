import fc from 'fast-check';
import { assertTransition, canTransition, checkTransition, isLifecycleError, lifecycleOf, parseStatus, type TransitionResult } from '../src';
import { compileLifecycle, smsMachine } from '../src/machines';
import { ADVERSARIAL } from './support/adversarial';
import { CATALOG } from './support/lifecycle-md';
import { CHANNEL_NAMES, classify } from './support/oracle';

/** The code and side of a result, in the shape {@link classify} answers. */
function summary(result: TransitionResult): { code: string; side?: 'from' | 'to' } {
  if (result.ok) return { code: 'ok' };
  return 'side' in result ? { code: result.code, side: result.side } : { code: result.code };
}

const channelArb = fc.oneof(fc.constantFrom<unknown>(...CHANNEL_NAMES), fc.anything());
const statusArb = fc.oneof(fc.constantFrom<unknown>(...CATALOG), fc.constantFrom(...ADVERSARIAL), fc.anything());

describe('bad input', () => {
  test('fc.anything() never makes canTransition throw or say yes wrongly', () => {
    fc.assert(
      fc.property(channelArb, statusArb, statusArb, (channel, from, to) => {
        const expected = classify(channel, from, to).code === 'ok';
        expect(canTransition(channel, from, to)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  test('fc.anything() gets the right code and side from checkTransition', () => {
    fc.assert(
      fc.property(channelArb, statusArb, statusArb, (channel, from, to) => {
        expect(summary(checkTransition(channel, from, to))).toEqual(classify(channel, from, to));
      }),
      { numRuns: 2000 },
    );
  });

  test.each(CHANNEL_NAMES)('adversarial values as either status on %s are refused, never true', (channel) => {
    for (const bad of ADVERSARIAL) {
      for (const good of CATALOG) {
        expect(canTransition(channel, bad, good)).toBe(false);
        expect(canTransition(channel, good, bad)).toBe(false);
        expect(summary(checkTransition(channel, bad, good))).toEqual({ code: 'unknown_status', side: 'from' });
        // `from` is checked first: an unknown `to` is only reported for an applicable `from`.
        expect(summary(checkTransition(channel, good, bad))).toEqual(classify(channel, good, bad));
      }
    }
  });

  test('an unknown `to` after an applicable `from` is reported on the `to` side', () => {
    expect(summary(checkTransition('email', 'SUBMITTED', '__proto__'))).toEqual({ code: 'unknown_status', side: 'to' });
    expect(summary(checkTransition('email', 'SUBMITTED', 'delivered'))).toEqual({ code: 'unknown_status', side: 'to' });
    expect(summary(checkTransition('email', 'SUBMITTED', 'EXPIRED'))).toEqual({ code: 'inapplicable_status', side: 'to' });
    expect(summary(checkTransition('sms', 'OPEN', 'OPEN'))).toEqual({ code: 'inapplicable_status', side: 'from' });
  });

  test('channels are exact names or compiled lifecycles; look-alikes are unknown', () => {
    const lookAlike = { ...lifecycleOf('sms') };
    for (const channel of ['SMS', 'Email', ' sms', 'sms ', 'whatsapp', '__proto__', 'constructor', '', null, undefined, 0, {}, lookAlike]) {
      expect(canTransition(channel, 'SUBMITTED', 'DELIVERED')).toBe(false);
      expect(summary(checkTransition(channel, 'SUBMITTED', 'DELIVERED'))).toEqual({ code: 'unknown_channel' });
    }
  });

  test('rejections carry the offending value and a readable message', () => {
    expect(checkTransition('sms', 'SUBMITTED', { toString: () => 'DELIVERED' })).toMatchInlineSnapshot(`
{
  "code": "unknown_status",
  "message": "sms: reported status {} is not a known status",
  "ok": false,
  "side": "to",
  "status": {
    "toString": [Function],
  },
}
`);
    expect(checkTransition('SMS', 'SUBMITTED', 'DELIVERED')).toMatchInlineSnapshot(`
{
  "channel": "SMS",
  "code": "unknown_channel",
  "message": "unknown channel SMS",
  "ok": false,
}
`);
    expect(checkTransition('sms', ' DELIVERED', 'FAILED')).toMatchObject({ code: 'unknown_status', side: 'from', status: ' DELIVERED' });
  });
});

describe('examples from LIFECYCLE.md', () => {
  test('SUBMITTED → DEFERRED → DELIVERED → OPEN → CLICKED is legal for e-mail', () => {
    const path = ['SUBMITTED', 'DEFERRED', 'DEFERRED', 'DELIVERED', 'OPEN', 'OPEN', 'CLICKED', 'CLICKED'];
    for (let i = 1; i < path.length; i++) {
      expect(canTransition('email', path[i - 1], path[i])).toBe(true);
      expect(checkTransition('email', path[i - 1], path[i])).toEqual({ ok: true, from: path[i - 1], to: path[i] });
      expect(() => assertTransition('email', path[i - 1], path[i])).not.toThrow();
    }
  });

  test('OPEN is inapplicable to SMS', () => {
    expect(canTransition('sms', 'DELIVERED', 'OPEN')).toBe(false);
    expect(checkTransition('sms', 'DELIVERED', 'OPEN')).toMatchObject({ ok: false, code: 'inapplicable_status', side: 'to', status: 'OPEN' });
  });

  test('one example per code, written from the ordering table', () => {
    const cases: [string, string, string, string][] = [
      ['sms', 'SUBMITTED', 'SUBMITTED', 'duplicate'],
      ['email', 'SUBMITTED', 'OPEN', 'skipped'],
      ['sms', 'DELIVERED', 'SUBMITTED', 'stale'],
      ['sms', 'DELIVERED', 'FAILED', 'from_final'],
      ['email', 'REJECTED', 'DELIVERED', 'from_final'],
      ['email', 'OPEN', 'UNDELIVERABLE', 'illegal_transition'],
      ['email', 'DEFERRED', 'DROPPED', 'illegal_transition'],
    ];
    for (const [channel, from, to, code] of cases) expect({ channel, from, to, code: summary(checkTransition(channel, from, to)).code }).toEqual({ channel, from, to, code });
  });

  test('a click from SUBMITTED implies DELIVERED (the shortest way, OPEN not needed)', () => {
    expect(checkTransition('email', 'SUBMITTED', 'CLICKED')).toMatchObject({ ok: false, code: 'skipped', implied: ['DELIVERED'] });
    expect(checkTransition('email', 'DEFERRED', 'OPEN')).toMatchObject({ ok: false, code: 'skipped', implied: ['DELIVERED'] });
    expect(checkTransition('sms', 'REGISTERED', 'DELIVERED')).toMatchObject({ ok: false, code: 'skipped', implied: ['SUBMITTED'] });
  });
});

describe('assertTransition', () => {
  test('throws a LifecycleError with code, channel, from and to', () => {
    let caught: unknown;
    try {
      assertTransition('sms', 'DELIVERED', 'SUBMITTED');
    } catch (error) {
      caught = error;
    }
    expect(isLifecycleError(caught)).toBe(true);
    expect(caught).toBeInstanceOf(Error);
    expect(caught).toMatchObject({ name: 'LifecycleError', code: 'stale', channel: 'sms', from: 'DELIVERED', to: 'SUBMITTED' });
    expect((caught as Error).message).toMatchInlineSnapshot(`"sms: SUBMITTED is older than the current status DELIVERED (a late report)"`);
  });

  test('names a compiled lifecycle by its name, and an unknown channel as given', () => {
    const custom = compileLifecycle(smsMachine, { name: 'sms-eu' });
    expect(() => assertTransition(custom, 'SUBMITTED', 'REGISTERED')).toThrow(expect.objectContaining({ code: 'stale', channel: 'sms-eu' }));
    expect(() => assertTransition('fax' as never, 'SUBMITTED', 'DELIVERED')).toThrow(expect.objectContaining({ code: 'unknown_channel', channel: 'fax' }));
  });

  test('throws exactly when checkTransition refuses', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CHANNEL_NAMES), fc.constantFrom<unknown>(...CATALOG, ...ADVERSARIAL), fc.constantFrom<unknown>(...CATALOG, ...ADVERSARIAL), (channel, from, to) => {
        const expected = classify(channel, from, to).code;
        let code = 'ok';
        try {
          assertTransition(channel, from as string, to as string);
        } catch (error) {
          expect(isLifecycleError(error)).toBe(true);
          code = (error as { code: string }).code;
        }
        expect(code).toBe(expected);
      }),
    );
  });

  test('valid results are frozen', () => {
    const r = checkTransition('email', 'SUBMITTED', 'OPEN');
    expect(Object.isFrozen(r)).toBe(true);
    if (!r.ok && r.code === 'skipped') expect(Object.isFrozen(r.implied)).toBe(true);
  });
});

test('hostile objects (throwing proxies and getters) are refused without being touched', () => {
  const trap = () => {
    throw new Error('touched');
  };
  const proxy = new Proxy({}, { get: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap, getPrototypeOf: trap });
  const getter = Object.defineProperty({}, 'toJSON', { get: trap, enumerable: true });
  for (const hostile of [proxy, getter]) {
    expect(canTransition('sms', hostile, 'DELIVERED')).toBe(false);
    expect(canTransition(hostile, 'SUBMITTED', 'DELIVERED')).toBe(false);
    expect(summary(checkTransition('email', 'SUBMITTED', hostile))).toEqual({ code: 'unknown_status', side: 'to' });
    expect(summary(checkTransition(hostile, 'SUBMITTED', 'DELIVERED'))).toEqual({ code: 'unknown_channel' });
    expect(() => assertTransition('sms', hostile as never, 'DELIVERED')).toThrow(expect.objectContaining({ code: 'unknown_status' }));
    expect(() => parseStatus('sms', hostile)).toThrow(expect.objectContaining({ code: 'unknown_status' }));
  }
});
