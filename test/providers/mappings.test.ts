import { STATUSES, isApplicable } from '../../src';
import { PROVIDER_MAPPINGS, SMPP, SMPP_MESSAGE_STATES } from '../../src/providers';
import { defineMapping } from '../../src/providers/result';

test('every mapped status is a catalog status applicable to the provider channel', () => {
  for (const mapping of PROVIDER_MAPPINGS) {
    for (const row of mapping.rows) {
      if (row.outcome === 'side_event' || row.outcome === 'unmapped') continue;
      expect([mapping.fn, (STATUSES as readonly string[]).includes(row.outcome)]).toEqual([mapping.fn, true]);
      expect([mapping.fn, row.match.join('/'), isApplicable(mapping.channel, row.outcome)]).toEqual([mapping.fn, row.match.join('/'), true]);
    }
  }
});

test('each table lists every value combination once and names as many fields as its longest match', () => {
  for (const mapping of PROVIDER_MAPPINGS) {
    const keys = mapping.rows.map((r) => r.match.join('/'));
    expect(new Set(keys).size).toBe(keys.length);
    expect(Math.max(...mapping.rows.map((r) => r.match.length))).toBeLessThanOrEqual(mapping.fields.length);
  }
});

test('the message_state TLV values 1–9 all name a stat word of the SMPP table', () => {
  expect(Object.keys(SMPP_MESSAGE_STATES).map(Number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  for (const word of Object.values(SMPP_MESSAGE_STATES)) expect(SMPP.lookup([word])).toBeDefined();
});

test('a table is refused at load time when it maps to a status the channel does not use', () => {
  expect(() =>
    defineMapping({ fn: 'fromX', provider: 'X', channel: 'sms', fields: ['s'], reference: '-', rows: [{ match: ['open'], outcome: 'OPEN' as never }] }),
  ).toThrow('OPEN does not apply to sms');
  expect(() =>
    defineMapping({
      fn: 'fromX',
      provider: 'X',
      channel: 'sms',
      fields: ['s'],
      reference: '-',
      rows: [
        { match: ['a'], outcome: 'SUBMITTED' },
        { match: ['a'], outcome: 'FAILED' },
      ],
    }),
  ).toThrow('mapped twice');
});

test('lookup tries the most specific match first', () => {
  const table = defineMapping({
    fn: 'fromX',
    provider: 'X',
    channel: 'email',
    fields: ['a', 'b'],
    reference: '-',
    rows: [
      { match: ['bounce'], outcome: 'UNDELIVERABLE' },
      { match: ['bounce', 'soft'], outcome: 'REJECTED' },
    ],
  });
  expect(table.lookup(['bounce', 'soft'])?.outcome).toBe('REJECTED');
  expect(table.lookup(['bounce', 'other'])?.outcome).toBe('UNDELIVERABLE');
  expect(table.lookup(['other'])).toBeUndefined();
  expect(table.lookup(['__proto__'])).toBeUndefined();
});
