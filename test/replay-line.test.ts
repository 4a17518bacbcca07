import fc from 'fast-check';
import { readEventLine, type EventLineFields } from '../src/internal/event-line';
import { replayLines } from '../src/replay';
import { CATALOG } from './support/lifecycle-md';

const KEYS = ['message', 'channel', 'status', 'id', 'at', 'detail'] as const;
const fresh = (): EventLineFields => ({ message: 'x', channel: 'x', status: 'x', id: 'x', at: 'x', detail: 'x' });

// Strings with the characters that need care in JSON: quotes, backslashes, control
// characters, lone surrogates, non-ASCII; and plain ones, so the fast path is taken too.
const tricky = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', 'Z', '0', '-', ' ', '"', '\\', '/', '\n', '\u0000', '\u001f', '\u007f', 'é', '\ud83d', '\ude00', '\u2028') }),
  fc.constantFrom('m1', 'sms', 'email', 'DELIVERED', 'evt-1', ''),
  fc.string(),
);
const atValue = fc.oneof({ weight: 4, arbitrary: fc.integer() }, { weight: 2, arbitrary: fc.integer({ min: -(10 ** 15), max: 10 ** 15 }) }, fc.constantFrom(0, -0, 1_700_000_000_000, 2 ** 53, 1e21, 1.5, -3), fc.double(), fc.string());
const plain = fc.string({ unit: fc.constantFrom('a', 'Z', '0', '-', ' ', '/', 'é', '\u007f', '😀') });
const text = fc.oneof({ weight: 3, arbitrary: plain }, { weight: 1, arbitrary: tricky });
const eventObject = fc.oneof(
  { weight: 4, arbitrary: fc.record({ message: text, channel: text, status: text, id: text, at: atValue, detail: text }, { requiredKeys: ['message', 'channel', 'status'] }) },
  { weight: 1, arbitrary: fc.record({ message: tricky, channel: tricky, status: tricky, id: tricky, at: atValue, detail: tricky, extra: fc.constant(1) }, { requiredKeys: [] }) },
);

/** What JSON.parse gives under the six keys, or null when the text is not a JSON object with only those keys. */
function parsed(text: string): Record<string, unknown> | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  if (Object.keys(value).some((key) => !(KEYS as readonly string[]).includes(key))) return null;
  return Object.fromEntries(KEYS.map((key) => [key, (value as Record<string, unknown>)[key]]));
}

describe("the replay's canonical line reader", () => {
  // Deliberate faults this caught, each tried once and restored: the backslash allowed in a
  // string (escapes read raw; the replay property below fails too), the closing `$` dropped
  // (trailing text accepted), `detail` read from the status's capture. Leading zeros allowed
  // in `at` (JSON.parse refuses 012) are caught by the next test, not this one: JSON.stringify
  // never writes them.
  test('reads a line only when JSON.parse reads the same fields, and nothing else, from it (property)', () => {
    let taken = 0;
    fc.assert(
      fc.property(eventObject, fc.constantFrom('', '', '', '', '', ' ', '\r', 'x', '}'), fc.constantFrom(false, false, false, true), (object, tail, spaced) => {
        const json = JSON.stringify(object);
        const text = (spaced ? json.replace('{', '{ ') : json) + tail;
        const fields = fresh();
        if (!readEventLine(text, fields)) return true;
        taken++;
        const expected = parsed(text);
        expect(expected).not.toBeNull();
        expect(Object.is(fields.at, expected?.at)).toBe(true);
        expect({ ...fields }).toEqual(expected);
        return true;
      }),
      { numRuns: 3000 },
    );
    // The fast path is exercised, not skipped: plenty of generated lines are canonical.
    expect(taken).toBeGreaterThan(100);
  });

  test('reads the shape the replay documents, every key but the first three optional, and refuses near misses', () => {
    const fields = fresh();
    expect(readEventLine('{"message":"m","channel":"sms","status":"DELIVERED","id":"e1","at":1700000000000,"detail":"ok"}', fields)).toBe(true);
    expect(fields).toEqual({ message: 'm', channel: 'sms', status: 'DELIVERED', id: 'e1', at: 1_700_000_000_000, detail: 'ok' });
    expect(readEventLine('{"message":"m","channel":"sms","status":"DELIVERED"}', fields)).toBe(true);
    expect(fields).toEqual({ message: 'm', channel: 'sms', status: 'DELIVERED', id: undefined, at: undefined, detail: undefined });
    for (const text of [
      '{"channel":"sms","message":"m","status":"DELIVERED"}', // another order
      '{"message":"m","channel":"sms","status":"DELIVERED","at":1.5}', // a fraction
      '{"message":"m","channel":"sms","status":"DELIVERED","at":0123}', // not JSON
      '{"message":"m","channel":"sms","status":"DELIVERED","at":12345678901234567}', // more than 15 digits
      '{"message":"m\\"","channel":"sms","status":"DELIVERED"}', // an escape
      '{"message":"m","channel":"sms","status":"DELIVERED"}\r',
      '{"message":"m","channel":"sms","status":"DELIVERED","__proto__":"x"}',
      '{"message":"m","channel":"sms","status":null}',
    ]) {
      expect(readEventLine(text, fields)).toBe(false);
    }
  });

  test('a replay decides the same whether its lines take the fast path or JSON.parse (property)', () => {
    const word = fc.oneof(fc.constantFrom(...CATALOG, 'NOPE', 'delivered', ' OPEN'), tricky);
    const event = fc.record(
      {
        message: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('m1', 'm2', 'm3', 'a-message-id-longer-than-13') }, { weight: 1, arbitrary: tricky }),
        channel: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('sms', 'email') }, { weight: 1, arbitrary: tricky }),
        status: word,
        id: fc.oneof(fc.constantFrom('a', 'b', 'c', 'an-event-id-longer-than-13'), tricky),
        at: atValue,
        detail: tricky,
      },
      { requiredKeys: ['message', 'channel', 'status'] },
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 40 }), fc.constantFrom('tolerant', 'strict') as fc.Arbitrary<'tolerant' | 'strict'>, (events, policy) => {
        const fast = events.map((e) => JSON.stringify(e));
        // A blank after the brace: the same JSON, never the canonical shape.
        const slow = fast.map((text) => text.replace('{', '{ '));
        expect(replayLines(fast, { policy, maxSeenIdsPerMessage: 2 })).toEqual(replayLines(slow, { policy, maxSeenIdsPerMessage: 2 }));
      }),
      { numRuns: 300 },
    );
  });
});
