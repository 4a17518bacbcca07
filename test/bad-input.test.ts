/**
 * Bad input is as cheap as good input (issue 13): the rejection of a catalog
 * name the channel does not use is precomputed and frozen like every valid
 * pair's, and a repeated unknown string reuses its frozen rejection. Same
 * results and words as before; nothing here measures time.
 */
import fc from 'fast-check';
import { STATUSES, applyStatus, checkTransition, lifecycleOf, statusesFor, type Channel } from '../src';
import { show } from '../src/messages';
import { ADVERSARIAL } from './support/adversarial';

const CHANNELS: readonly Channel[] = ['sms', 'email'];
const inapplicable = (channel: Channel) => STATUSES.filter((s) => !(statusesFor(channel) as readonly string[]).includes(s));

describe.each(CHANNELS)('%s', (channel) => {
  test.each(['tolerant', 'strict'] as const)('an inapplicable report is one frozen rejection per (current, name), under %s', (policy) => {
    for (const current of statusesFor(channel)) {
      for (const name of inapplicable(channel)) {
        const result = applyStatus(channel, current, name, { policy });
        expect(result).toEqual({
          outcome: 'rejected',
          status: current,
          from: current,
          code: 'inapplicable_status',
          implied: [],
          message: `${channel}: reported status ${name} does not apply to ${channel}`,
        });
        expect(Object.isFrozen(result)).toBe(true);
        expect(applyStatus(channel, current, name, { policy })).toBe(result);
      }
    }
  });

  test('checkTransition: an inapplicable status on either side is one frozen rejection', () => {
    const current = statusesFor(channel)[0];
    for (const name of inapplicable(channel)) {
      const to = checkTransition(channel, current, name);
      const from = checkTransition(channel, name, current);
      expect([to, from]).toEqual([
        { ok: false, code: 'inapplicable_status', side: 'to', status: name, message: `${channel}: reported status ${name} does not apply to ${channel}` },
        { ok: false, code: 'inapplicable_status', side: 'from', status: name, message: `${channel}: current status ${name} does not apply to ${channel}` },
      ]);
      expect([Object.isFrozen(to), checkTransition(channel, current, name) === to, checkTransition(channel, name, statusesFor(channel)[1]) === from]).toEqual([true, true, true]);
    }
  });

  test('an unknown report is rejected with its own words, whatever it is, before and after the remembered ones are forgotten', () => {
    const statuses = statusesFor(channel);
    // More distinct short strings than are remembered, then the first ones again.
    const words = Array.from({ length: 600 }, (_, i) => `bogus-${i}`);
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(...words, ...words.slice(0, 20)), fc.string({ maxLength: 80 }), fc.constantFrom(...ADVERSARIAL)),
        fc.constantFrom(...statuses),
        (incoming, current) => {
          fc.pre(typeof incoming !== 'string' || lifecycleOf(channel).ids.get(incoming) === undefined);
          const result = applyStatus(channel, current, incoming);
          expect(result).toEqual({
            outcome: 'rejected',
            status: current,
            from: current,
            code: 'unknown_status',
            implied: [],
            message: `${channel}: reported status ${show(incoming)} is not a known status`,
          });
        },
      ),
      { numRuns: 3000 },
    );
  });

  test('a repeated short unknown string reuses one frozen rejection per current status', () => {
    const [a, b] = statusesFor(channel);
    const first = applyStatus(channel, a, 'delivered');
    expect(applyStatus(channel, a, 'delivered')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(applyStatus(channel, b, 'delivered')).toEqual({ ...first, status: b, from: b });
  });
});

test('show writes a plain word as is and anything else as JSON, cut at 64 characters', () => {
  const plain = /^[A-Za-z0-9_-]{1,64}$/;
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 70 }), fc.stringMatching(/^[A-Za-z0-9_-]{0,66}$/), fc.string({ unit: 'binary', maxLength: 8 })), (text) => {
      expect(show(text)).toBe(plain.test(text) ? text : JSON.stringify(text.slice(0, 64)));
    }),
    { numRuns: 2000 },
  );
});
