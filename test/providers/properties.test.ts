import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isApplicable, reconcile } from '../../src';
import * as providers from '../../src/providers';
import { PROVIDER_MAPPINGS, fromSendGrid, type ProviderResult } from '../../src/providers';

const CODES = ['malformed_payload', 'unmapped_status', 'side_event'];
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

type Single = (payload: unknown) => ProviderResult;
const SINGLE: Record<string, { fn: Single; channel: 'sms' | 'email' }> = {
  fromTwilio: { fn: providers.fromTwilio, channel: 'sms' },
  fromSmppReceipt: { fn: providers.fromSmppReceipt, channel: 'sms' },
  fromVonage: { fn: providers.fromVonage, channel: 'sms' },
  fromInfobip: { fn: providers.fromInfobip, channel: 'sms' },
  fromAwsSms: { fn: providers.fromAwsSms, channel: 'sms' },
  fromSes: { fn: providers.fromSes, channel: 'email' },
  fromMailgun: { fn: providers.fromMailgun, channel: 'email' },
  fromPostmark: { fn: providers.fromPostmark, channel: 'email' },
};

/** The contract every result keeps, whatever came in. */
function wellFormed(result: ProviderResult, channel: 'sms' | 'email'): void {
  expect(typeof result).toBe('object');
  if (result.ok) {
    const { event } = result;
    expect(event.channel).toBe(channel);
    expect(isApplicable(channel, event.status)).toBe(true);
    expect(typeof event.messageId).toBe('string');
    expect(event.messageId.length).toBeGreaterThan(0);
    if (event.id !== undefined) expect(typeof event.id).toBe('string');
    if (event.at !== undefined) expect(event.at).toMatch(ISO_UTC);
    if (event.detail !== undefined) expect(typeof event.detail).toBe('string');
    // reconcile takes the event as it is: never an invalid_event.
    expect(reconcile(channel, [event]).rejected.filter((r) => r.code === 'invalid_event')).toEqual([]);
  } else {
    expect(CODES).toContain(result.code);
    expect(typeof result.message).toBe('string');
  }
}

// Valid documented payloads from the fixtures, to mutate one field at a time.
const dir = join(__dirname, '..', 'fixtures', 'providers');
const valid: Record<string, Record<string, unknown>[]> = {};
for (const file of readdirSync(dir)) {
  const fixture = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { fn: string; cases?: { payload: unknown; expect: { ok: boolean } }[] };
  valid[fixture.fn] = (fixture.cases ?? [])
    .filter((c) => c.expect.ok && typeof c.payload === 'object' && c.payload !== null)
    .map((c) => c.payload as Record<string, unknown>);
}

const anyInput = fc.oneof(
  fc.anything({ withNullPrototype: true, withBoxedValues: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true }),
  fc.object({ key: fc.constantFrom('__proto__', 'constructor', 'prototype', 'MessageStatus', 'event', 'eventType', 'RecordType', 'mail') }),
  fc.string(),
);

describe.each(Object.entries(SINGLE))('%s', (name, { fn, channel }) => {
  test('any input gives a well-formed result and never throws', () => {
    fc.assert(fc.property(anyInput, (input) => wellFormed(fn(input), channel)), { numRuns: 300 });
  });

  test('a documented payload with one field replaced by anything still gives a well-formed result', () => {
    const payloads = valid[name];
    expect(payloads.length).toBeGreaterThan(0);
    const mutation = fc.record({
      base: fc.constantFrom(...payloads),
      key: fc.oneof(fc.constantFrom(...new Set(payloads.flatMap((p) => Object.keys(p)))), fc.constantFrom('__proto__', 'constructor')),
      value: fc.anything(),
    });
    fc.assert(
      fc.property(mutation, ({ base, key, value }) => {
        const copy: Record<string, unknown> = { ...base };
        Object.defineProperty(copy, key, { value, enumerable: true, configurable: true, writable: true });
        wellFormed(fn(copy), channel);
      }),
      { numRuns: 300 },
    );
  });
});

test('fromSendGrid: any input gives well-formed results, one per array entry', () => {
  fc.assert(
    fc.property(fc.oneof(anyInput, fc.array(anyInput, { maxLength: 8 })), (input) => {
      const results = fromSendGrid(input);
      expect(Array.isArray(results)).toBe(true);
      expect(results).toHaveLength(Array.isArray(input) ? input.length : 1);
      for (const r of results) wellFormed(r, 'email');
    }),
    { numRuns: 300 },
  );
});

// A payload built around a value of the provider's main status field.
const AROUND: Record<string, (v: string) => unknown> = {
  fromTwilio: (v) => ({ MessageSid: 'SM1', MessageStatus: v }),
  fromSmppReceipt: (v) => `id:1 sub:001 dlvrd:001 submit date:1601010100 done date:1601010101 stat:${v} err:000`,
  fromVonage: (v) => ({ messageId: 'm', status: v }),
  fromInfobip: (v) => ({ messageId: 'm', status: { groupName: v, name: v } }),
  fromAwsSms: (v) => ({ eventType: v, messageId: 'm' }),
  fromSendGrid: (v) => [{ event: v, type: 'bounce', sg_message_id: 'm' }],
  fromSes: (v) => ({ eventType: v, mail: { messageId: 'm' }, bounce: { bounceType: 'Permanent' } }),
  fromMailgun: (v) => ({ event: v, severity: 'permanent', message: { headers: { 'message-id': 'm' } } }),
  fromPostmark: (v) => ({ RecordType: v, MessageID: 'm', Type: 'HardBounce' }),
};

test.each(PROVIDER_MAPPINGS.map((m) => [m.fn, m] as const))('%s: a status value outside its table never gives a status', (fnName, mapping) => {
  const fold = fnName === 'fromSmppReceipt' ? (s: string) => s.toUpperCase() : (s: string) => s;
  const known = new Set(mapping.rows.map((r) => fold(r.match[0])));
  const call = (v: string) => {
    const out = (providers[fnName as keyof typeof providers] as unknown as (p: unknown) => ProviderResult | ProviderResult[])(AROUND[fnName](v));
    return Array.isArray(out) ? out[0] : out;
  };
  fc.assert(
    fc.property(
      fc.oneof(fc.stringMatching(/^[A-Za-z_]{1,16}$/), fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty')).filter((v) => !known.has(fold(v))),
      (value) => {
        const result = call(value);
        expect(result.ok).toBe(false);
      },
    ),
    { numRuns: 200 },
  );
});
