import fc from 'fast-check';
import { canTransition, isApplicable, nextStatuses, parseStatus, statusesFor } from '../src';
import { ADVERSARIAL } from './support/adversarial';
import { thrownCode } from './support/errors';
import { APPLICABLE, CATALOG } from './support/lifecycle-md';
import { CHANNEL_NAMES } from './support/oracle';

/** Random letter case of a name. */
const anyCase = (name: string) =>
  fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }).map((upper) => [...name].map((ch, i) => (upper[i] ? ch.toUpperCase() : ch.toLowerCase())).join(''));
const blanks = fc.array(fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0'), { maxLength: 3 }).map((a) => a.join(''));

describe.each(CHANNEL_NAMES)('parseStatus on %s', (channel) => {
  const applicable: readonly string[] = APPLICABLE[channel];

  test('any letter case with surrounding blanks gives the exact name, or the right refusal', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CATALOG).chain((name) => fc.tuple(fc.constant(name), blanks, anyCase(name), blanks)),
        ([name, before, written, after]) => {
          const input = before + written + after;
          if (applicable.includes(name)) expect(parseStatus(channel, input)).toBe(name);
          else expect(thrownCode(() => parseStatus(channel, input))).toBe('inapplicable_status');
        },
      ),
    );
  });

  test('anything else is unknown_status, never a crash', () => {
    const isName = (x: unknown) => typeof x === 'string' && (CATALOG as readonly string[]).includes(x.trim().toUpperCase());
    const notAName = fc.oneof(fc.anything(), fc.string(), fc.constantFrom(...ADVERSARIAL)).filter((x) => !isName(x));
    fc.assert(fc.property(notAName, (input) => {
      expect(thrownCode(() => parseStatus(channel, input))).toBe('unknown_status');
    }));
  });

  test('blanks inside a name, or a boxed string, are not accepted', () => {
    for (const input of ['DELI VERED', 'DELIVERED.', '"DELIVERED"', new String('DELIVERED'), { toString: () => 'DELIVERED' }]) {
      expect(thrownCode(() => parseStatus(channel, input))).toBe('unknown_status');
    }
  });

  test('what it returns is accepted by the exact-name functions', () => {
    for (const name of applicable) {
      const parsed = parseStatus(channel, ` ${name.toLowerCase()} `);
      expect(isApplicable(channel, parsed)).toBe(true);
      expect(nextStatuses(channel, parsed as never)).toEqual(nextStatuses(channel, name as never));
    }
  });
});

test('the error says what was given and on which channel', () => {
  let caught: unknown;
  try {
    parseStatus('sms', ' opened ');
  } catch (error) {
    caught = error;
  }
  expect(caught).toMatchObject({ code: 'unknown_status', channel: 'sms', to: ' opened ' });
  expect((caught as Error).message).toMatchInlineSnapshot(`"sms: status " opened " is not a known status"`);
  expect(() => parseStatus('sms', 'open')).toThrow(expect.objectContaining({ code: 'inapplicable_status', channel: 'sms', to: 'open' }));
});

test('an unknown channel throws unknown_channel, whatever the input', () => {
  for (const channel of ['SMS', ' email', 'push', null, {}]) expect(thrownCode(() => parseStatus(channel as never, 'DELIVERED'))).toBe('unknown_channel');
});

test('the other functions take exact names only', () => {
  expect(isApplicable('sms', 'delivered')).toBe(false);
  expect(isApplicable('sms', ' DELIVERED')).toBe(false);
  expect(isApplicable('SMS', 'DELIVERED')).toBe(false);
  expect(canTransition('sms', 'SUBMITTED', 'delivered')).toBe(false);
  expect(canTransition('Email', 'SUBMITTED', 'DELIVERED')).toBe(false);
  expect(thrownCode(() => nextStatuses('sms', 'delivered' as never))).toBe('unknown_status');
  expect(thrownCode(() => statusesFor('SMS' as never))).toBe('unknown_channel');
});
