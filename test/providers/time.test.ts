import { Malformed } from '../../src/providers/result';
import { isoFromCompact, isoFromEpochMs, isoFromSmppDate, isoFromText, isoFromUnixSeconds } from '../../src/providers/time';

describe('isoFromCompact (SMPP done date, Vonage scts), read as UTC', () => {
  test.each([
    ['1601010101', '2016-01-01T01:01:00.000Z'],
    ['190608165237', '2019-06-08T16:52:37.000Z'],
    ['2402292359', '2024-02-29T23:59:00.000Z'],
    ['0001010000', '2000-01-01T00:00:00.000Z'],
  ])('%s → %s', (input, expected) => expect(isoFromCompact(input, 'd')).toBe(expected));

  test.each(['2302290000', '1600000000', '1613010000', '1601320000', '1601012400', '1601010060', '160101010160', '160101010', '1601010101a', ' 1601010101', ''])(
    '%j is refused',
    (input) => expect(() => isoFromCompact(input, 'd')).toThrow(Malformed),
  );

  test.each([1601010101, null, undefined, {}])('%j (not a string) is refused', (input) => {
    expect(() => isoFromCompact(input, 'd')).toThrow(Malformed);
  });
});

describe('isoFromText', () => {
  test.each([
    ['2019-11-05T16:33:54.9070259Z', '2019-11-05T16:33:54.907Z'],
    ['2014-08-01T13:28:10.2735393-04:00', '2014-08-01T17:28:10.273Z'],
    ['2019-11-09T16:00:00.000+0000', '2019-11-09T16:00:00.000Z'],
    ['2019-11-09T16:00:00.000+0130', '2019-11-09T14:30:00.000Z'],
    ['2018-10-25 12:10:29', '2018-10-25T12:10:29.000Z'],
    ['2016-01-27T14:59:38.237Z', '2016-01-27T14:59:38.237Z'],
    ['2016-01-27T14:59Z', '2016-01-27T14:59:00.000Z'],
  ])('%s → %s', (input, expected) => expect(isoFromText(input, 't')).toBe(expected));

  test.each(['2016-02-30T00:00:00Z', '2016-01-27', 'yesterday', '2016-01-27T25:00:00Z', '2016-01-27T10:00:00+24:00', '1969-12-31T23:59:59Z', '+275760-09-13T00:00:00.000Z', 5])(
    '%j is refused',
    (input) => expect(() => isoFromText(input, 't')).toThrow(Malformed),
  );
});

test('isoFromUnixSeconds keeps milliseconds of a fractional time', () => {
  expect(isoFromUnixSeconds(1521472262.908181, 's')).toBe('2018-03-19T15:11:02.908Z');
  expect(isoFromUnixSeconds(1513299569, 's')).toBe('2017-12-15T00:59:29.000Z');
  for (const bad of [NaN, Infinity, -1, '1513299569', 1e15]) expect(() => isoFromUnixSeconds(bad, 's')).toThrow(Malformed);
});

test('isoFromEpochMs refuses what reconcile could not read back', () => {
  expect(isoFromEpochMs(1686975103470, 'e')).toBe('2023-06-17T04:11:43.470Z');
  for (const bad of [-1, 8.64e15, NaN, '1', null]) expect(() => isoFromEpochMs(bad, 'e')).toThrow(Malformed);
});

describe('isoFromSmppDate (SMPP receipt done date): four layouts, never throws', () => {
  test.each([
    ['1601010101', '2016-01-01T01:01:00.000Z'],
    ['190608165237', '2019-06-08T16:52:37.000Z'],
    ['202611301201', '2026-11-30T12:01:00.000Z'],
    ['20240229120105', '2024-02-29T12:01:05.000Z'],
    // Both twelve-digit readings are real dates: YYMMDDhhmmss is read first.
    ['120101010203', '2012-01-01T01:02:03.000Z'],
  ])('%s → %s', (input, expected) => expect(isoFromSmppDate(input)).toBe(expected));

  test.each(['1602300101', '1613010100', '20260431000000', '202613010000', '16010101000', '2026-11-30', '', '1601010101 ', '１６０１０１０１０１'])(
    '%j gives no time',
    (input) => expect(isoFromSmppDate(input)).toBeUndefined(),
  );
});
