import { SimulatedClock, createActor, initialTransition, transition } from 'xstate';
import { createTracker, reconcile } from '../src';
import { smsMachine } from '../src/machines';
import { readIsoTime, toEpochMs } from '../src/internal/time';
import { isoFromText } from '../src/providers/time';

// One rule for the whole library: a time without a zone is UTC. These tests
// also run under TZ=America/New_York and TZ=Pacific/Chatham (npm run test:tz),
// where reading a zoneless time as local time moves it by -5 h or +13:45.
const ZONELESS = '2026-01-01T10:30';
const AS_UTC = Date.UTC(2026, 0, 1, 10, 30);

test('the host zone this run is in is the one TZ names (so the zone runs do test something)', () => {
  const offset = new Date(AS_UTC).getTimezoneOffset();
  const expected: Record<string, number> = { 'America/New_York': 300, 'Pacific/Chatham': -825, UTC: 0 };
  const zone = process.env.TZ;
  if (zone !== undefined && zone in expected) expect(offset).toBe(expected[zone]);
  else expect(Number.isInteger(offset)).toBe(true);
});

describe('a zoneless ISO time is UTC everywhere', () => {
  test.each([
    [ZONELESS, AS_UTC],
    ['2026-01-01 10:30', AS_UTC],
    ['2026-01-01T10:30:15.5', AS_UTC + 15_500],
    ['2026-01-01T10:30:15.123456789', AS_UTC + 15_123],
    ['2026-01-01', Date.UTC(2026, 0, 1)],
    ['2026-01-01T10:30Z', AS_UTC],
    ['2026-01-01T10:30+01:00', AS_UTC - 3_600_000],
    ['2026-01-01T10:30 -0530', AS_UTC + 5.5 * 3_600_000],
    ['2026-01-01t10:30z', AS_UTC],
    ['0099-01-01T00:00Z', -59_042_995_200_000],
  ])('%s', (text, ms) => {
    expect(readIsoTime(text)?.ms).toBe(ms);
    expect(toEpochMs(text)).toBe(ms);
  });

  test.each(['2026-02-29T00:00', '2026-13-01', '2026-01-01T24:00', '2026-01-01T10:60', '2026-01-01T10:30+24:00', '2026-1-1', 'yesterday', '', '2026-01-01T10'])(
    '%j is refused by the core and the providers alike',
    (text) => {
      expect(readIsoTime(text)).toBeNull();
      expect(toEpochMs(text)).toBeNull();
      expect(() => isoFromText(text, 'at')).toThrow();
    },
  );

  test('the providers and the core read the same text to the same instant', () => {
    for (const text of [ZONELESS, '2018-10-25 12:10:29', '2019-11-09T16:00:00.000+0130', '2014-08-01T13:28:10.2735393-04:00']) {
      expect(Date.parse(isoFromText(text, 'at'))).toBe(toEpochMs(text));
    }
  });

  test('reconcile records the UTC instant', () => {
    expect(reconcile('sms', [{ status: 'SUBMITTED', at: ZONELESS }]).history[0].at).toBe(AS_UTC);
  });

  test('the tracker counts the validity from the UTC instant', () => {
    const t = createTracker('sms', { validityMs: 3_600_000, now: () => AS_UTC });
    t.apply({ status: 'SUBMITTED', at: ZONELESS });
    expect(t.deadline).toBe(AS_UTC + 3_600_000);
  });

  test('the SMS machine keeps the UTC deadline, and its actor fires at it', () => {
    const [registered] = initialTransition(smsMachine, { validityMs: 60_000 });
    const [submitted] = transition(smsMachine, registered, { type: 'SUBMITTED', at: ZONELESS });
    expect(submitted.context.expiresAt).toBe(AS_UTC + 60_000);

    const clock = new SimulatedClock();
    clock.set(AS_UTC);
    const actor = createActor(smsMachine, { clock, input: { validityMs: 60_000 } }).start();
    actor.send({ type: 'SUBMITTED', at: ZONELESS });
    clock.increment(59_999);
    expect(actor.getSnapshot().value).toBe('SUBMITTED');
    clock.increment(1);
    expect(actor.getSnapshot().value).toBe('EXPIRED');
  });
});
