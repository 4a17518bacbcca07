import fc from 'fast-check';
import { createMachine } from 'xstate';
import { LifecycleError, reconcile, type Policy } from '../src';
import { compileLifecycle } from '../src/machines';
import { createReplay, replayLines, type ReplaySummary } from '../src/replay';
import { CATALOG, SPEC } from './support/lifecycle-md';

const line = (message: string, channel: string, status: unknown, extra: object = {}): string =>
  JSON.stringify({ message, channel, status, ...extra });

describe('replay folds each message like reconcile', () => {
  test('early, late, duplicate (by status and by id) and contradictory events', () => {
    const summary = replayLines([
      line('e1', 'email', 'OPEN', { id: 'x1' }), // early: implies DELIVERED
      line('e1', 'email', 'DELIVERED', { id: 'x2' }), // late
      line('e1', 'email', 'OPEN', { id: 'x1' }), // same provider id again
      line('e1', 'email', 'OPEN', { id: 'x3' }), // a counted repeat
      line('s1', 'sms', 'SUBMITTED'),
      line('s1', 'sms', 'SUBMITTED'), // duplicate status
      line('s1', 'sms', 'UNDELIVERABLE'),
      line('s1', 'sms', 'DELIVERED'), // after a final status
      line('s2', 'sms', 'CLICKED'), // not an SMS status
      line('s2', 'sms', 'SEEN'), // not a status at all
    ]);
    expect(summary.counts).toEqual({
      applied: { total: 4, legal: 3, skipped: 1 },
      ignored: { total: 3, duplicate: 2, stale: 1 },
      rejected: {
        total: 3,
        unknown_status: 1,
        inapplicable_status: 1,
        duplicate: 0,
        skipped: 0,
        stale: 0,
        from_final: 1,
        illegal_transition: 0,
      },
    });
    expect(summary.statuses.email.OPEN).toBe(1);
    expect(summary.statuses.sms).toEqual({ REGISTERED: 1, SUBMITTED: 0, DELIVERED: 0, EXPIRED: 0, UNDELIVERABLE: 1, FAILED: 0 });
    expect(summary).toMatchObject({ lines: 10, events: 10, messages: 3, policy: 'tolerant' });
    expect(summary.rejectedMessages).toEqual({
      count: 2,
      messages: [
        expect.objectContaining({ message: 's1', channel: 'sms', line: 8, status: 'DELIVERED', current: 'UNDELIVERABLE', code: 'from_final' }),
        expect.objectContaining({ message: 's2', channel: 'sms', line: 9, status: 'CLICKED', current: 'REGISTERED', code: 'inapplicable_status' }),
      ],
    });
  });

  test('strict policy rejects early and repeated statuses instead of applying or ignoring them', () => {
    const summary = replayLines([line('e1', 'email', 'OPEN'), line('e1', 'email', 'SUBMITTED')], { policy: 'strict' });
    expect(summary.counts.applied.total).toBe(0);
    expect(summary.counts.rejected).toMatchObject({ total: 2, skipped: 1, duplicate: 1 });
    expect(summary.statuses.email.SUBMITTED).toBe(1);
  });

  const eventArb = fc.record(
    {
      message: fc.constantFrom('m1', 'm2', 'm3', 'm4'),
      status: fc.oneof(fc.constantFrom(...CATALOG), fc.constant('NOPE')),
      id: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
    },
    { requiredKeys: ['message', 'status'] },
  );

  test.each(['tolerant', 'strict'] as Policy[])('%s: final statuses and counts equal reconcile per message (property)', (policy) => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 60 }), (events) => {
        const channelOf = (m: string) => (m === 'm1' || m === 'm3' ? 'sms' : 'email');
        const summary = replayLines(events.map((e) => JSON.stringify({ ...e, channel: channelOf(e.message) })), { policy });
        const expected = { statuses: {} as Record<string, Record<string, number>>, applied: 0, skipped: 0, ignored: {} as Record<string, number>, rejected: {} as Record<string, number> };
        for (const channel of ['sms', 'email'] as const) expected.statuses[channel] = Object.fromEntries(SPEC[channel].statuses.map((s) => [s, 0]));
        for (const message of new Set(events.map((e) => e.message))) {
          const channel = channelOf(message);
          const result = reconcile(channel, events.filter((e) => e.message === message).map(({ status, id }) => (id === undefined ? { status } : { status, id })), { policy });
          expected.statuses[channel][result.status]++;
          const reported = result.history.filter((h) => !h.implied);
          expected.applied += reported.length;
          expected.skipped += reported.filter((h) => result.history.some((i) => i.implied && i.index === h.index)).length;
          for (const r of result.ignored) expected.ignored[r.code] = (expected.ignored[r.code] ?? 0) + 1;
          for (const r of result.rejected) expected.rejected[r.code] = (expected.rejected[r.code] ?? 0) + 1;
        }
        expect(summary.statuses).toEqual(expected.statuses);
        expect(summary.counts.applied).toEqual({ total: expected.applied, legal: expected.applied - expected.skipped, skipped: expected.skipped });
        const nonZero = (counts: object) => Object.fromEntries(Object.entries(counts).filter(([k, v]) => k !== 'total' && v > 0));
        expect(nonZero(summary.counts.ignored)).toEqual(expected.ignored);
        expect(nonZero(summary.counts.rejected)).toEqual(expected.rejected);
        expect(summary.events).toBe(events.length);
      }),
      { numRuns: 300 },
    );
  });
});

describe('malformed lines are counted with their line number and skipped', () => {
  const cases: [string, string, RegExp][] = [
    ['bad JSON', '{"message":"m1","channel":"sms","status":"DELIV', /not valid JSON/],
    ['an array', '["m1","sms","DELIVERED"]', /not a JSON object/],
    ['a number', '42', /not a JSON object/],
    ['no message', JSON.stringify({ channel: 'sms', status: 'SUBMITTED' }), /missing "message"/],
    ['an empty message', line('', 'sms', 'SUBMITTED'), /"message" must be a non-empty string/],
    ['a numeric message', JSON.stringify({ message: 7, channel: 'sms', status: 'SUBMITTED' }), /"message" must be/],
    ['no channel', JSON.stringify({ message: 'm1', status: 'SUBMITTED' }), /missing "channel"/],
    ['an unknown channel', line('m1', 'whatsapp', 'SUBMITTED'), /unknown channel whatsapp/],
    ['a "__proto__" channel', line('m1', '__proto__', 'SUBMITTED'), /unknown channel/],
    ['no status', JSON.stringify({ message: 'm1', channel: 'sms' }), /missing "status"/],
    ['a numeric status', line('m1', 'sms', 3), /"status" must be a string/],
    ['a numeric id', line('m1', 'sms', 'SUBMITTED', { id: 5 }), /id must be a non-empty string/],
    ['an unreadable time', line('m1', 'sms', 'SUBMITTED', { at: 'yesterday' }), /at must be/],
  ];
  test.each(cases)('%s', (_, text, reason) => {
    const summary = replayLines([line('ok', 'sms', 'SUBMITTED'), text, line('ok', 'sms', 'DELIVERED')]);
    expect(summary.malformed).toEqual({ count: 1, lines: [{ line: 2, reason: expect.stringMatching(reason) }] });
    expect(summary.events).toBe(2);
    expect(summary.statuses.sms.DELIVERED).toBe(1);
    expect(summary.messages).toBe(1);
  });

  test('a message that changes channel is malformed on the later line; the message keeps its channel', () => {
    const summary = replayLines([line('m', 'sms', 'SUBMITTED'), line('m', 'email', 'OPEN')]);
    expect(summary.malformed.lines).toEqual([{ line: 2, reason: 'message m is sms, not email' }]);
    expect(summary.statuses.sms.SUBMITTED).toBe(1);
  });

  test('blank lines (and a trailing \\r) are not malformed', () => {
    const summary = replayLines(['', '   ', `${line('m', 'sms', 'SUBMITTED')}\r`]);
    expect(summary).toMatchObject({ lines: 3, events: 1, malformed: { count: 0, lines: [] } });
  });

  test('lists are bounded, counts are not', () => {
    const replay = createReplay({ maxListed: 2 });
    for (let n = 1; n <= 5; n++) replay.line('nope', n * 10);
    for (let n = 1; n <= 5; n++) replay.line(line(`m${n}`, 'sms', 'OPEN'), 100 + n);
    const summary = replay.summary();
    expect(summary.malformed).toEqual({ count: 5, lines: [{ line: 10, reason: 'not valid JSON' }, { line: 20, reason: 'not valid JSON' }] });
    expect(summary.rejectedMessages.count).toBe(5);
    expect(summary.rejectedMessages.messages.map((m) => m.line)).toEqual([101, 102]);
  });
});

describe('createReplay', () => {
  test('remembers at most maxSeenIdsPerMessage event ids; a forgotten id is judged by its status', () => {
    const lines = ['a', 'b', 'c', 'a'].map((id, i) => line('m', 'email', ['DEFERRED', 'DEFERRED', 'DEFERRED', 'DELIVERED'][i], { id }));
    // With room for 2 ids, "a" is forgotten and its DELIVERED applies; with room for 3 it is a duplicate.
    expect(replayLines(lines, { maxSeenIdsPerMessage: 2 }).statuses.email.DELIVERED).toBe(1);
    const remembered = replayLines(lines, { maxSeenIdsPerMessage: 3 });
    expect(remembered.statuses.email.DEFERRED).toBe(1);
    expect(remembered.counts.ignored.duplicate).toBe(1);
  });

  test('summary() can be called mid-stream and returns a fresh object each time', () => {
    const replay = createReplay();
    replay.line(line('m', 'sms', 'SUBMITTED'), 1);
    const first: ReplaySummary = replay.summary();
    replay.line(line('m', 'sms', 'DELIVERED'), 2);
    expect(first.statuses.sms.SUBMITTED).toBe(1);
    expect(replay.summary().statuses.sms).toMatchObject({ SUBMITTED: 0, DELIVERED: 1 });
  });

  test('line() never throws, and every line is an event, a malformed line or a blank one', () => {
    // Mostly event-shaped objects whose fields are anything JSON can hold, so
    // most lines get past JSON.parse and exercise the field checks and the fold.
    const odd = fc.oneof(fc.constantFrom<unknown>('__proto__', '', 'SMS', 'yesterday', null), fc.jsonValue());
    const mostly = <T,>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 8, arbitrary: arb as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: odd });
    const eventLike = fc
      .record(
        {
          message: mostly(fc.constantFrom('m1', 'm2', 'm3')),
          channel: mostly(fc.constantFrom('sms', 'email')),
          status: mostly(fc.constantFrom(...CATALOG, 'NOPE')),
          id: mostly(fc.constantFrom('a', 'b')),
          at: mostly(fc.constantFrom(0, '2026-01-01T10:30', '2026-01-01T10:30:00Z')),
        },
        { requiredKeys: ['message', 'channel', 'status'] },
      )
      // A message keeps its channel (m2 is e-mail), unless the channel field is odd.
      .map((o) => JSON.stringify(o.channel === 'sms' || o.channel === 'email' ? { ...o, channel: o.message === 'm2' ? 'email' : 'sms' } : o));
    const totals = { lines: 0, events: 0 };
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 8, arbitrary: eventLike }, { weight: 1, arbitrary: fc.string() }, { weight: 1, arbitrary: fc.json() }), { maxLength: 30 }), (texts) => {
        const replay = createReplay();
        texts.forEach((text, i) => expect(() => replay.line(text, i + 1)).not.toThrow());
        const summary = replay.summary();
        const blank = texts.filter((t) => t.trim() === '').length;
        expect(summary.lines).toBe(texts.length);
        expect(summary.events + summary.malformed.count + blank).toBe(texts.length);
        const { applied, ignored, rejected } = summary.counts;
        expect(applied.total + ignored.total + rejected.total).toBe(summary.events);
        totals.lines += texts.length;
        totals.events += summary.events;
      }),
      { numRuns: 300 },
    );
    // The inputs do reach the fold: at least a third of all lines are events (about half are).
    expect(totals.events * 3).toBeGreaterThan(totals.lines);
    const replay = createReplay();
    expect(() => replay.line(undefined as never, 2)).not.toThrow();
    expect(replay.summary()).toMatchObject({ lines: 1, events: 0, malformed: { count: 1 } });
  });

  test('custom channels add to the built-in ones (as in restoreTracker and the store) and are named by their lifecycle name', () => {
    const push = compileLifecycle(
      createMachine({ id: 'push', initial: 'QUEUED', states: { QUEUED: { on: { SHOWN: { target: 'SHOWN' } } }, SHOWN: { type: 'final' } } }),
    );
    const summary = replayLines([line('p', 'push', 'SHOWN'), line('s', 'sms', 'SUBMITTED'), line('e', 'email', 'SUBMITTED')], { channels: [push] });
    expect(summary.malformed.count).toBe(0);
    expect(summary.statuses.push).toEqual({ QUEUED: 0, SHOWN: 1 });
    expect(summary.statuses.sms.SUBMITTED).toBe(1);
    expect(summary.statuses.email.SUBMITTED).toBe(1);
    expect(Object.keys(summary.statuses)).toEqual(['sms', 'email', 'push']);
  });

  test('channel names and statuses match in any letter case, as parseStatus reads them', () => {
    const summary = replayLines([line('a', 'SMS', 'submitted'), line('a', 'Sms', ' Delivered '), line('b', 'email', 'sent')]);
    expect(summary.statuses.sms.DELIVERED).toBe(1);
    expect(summary.counts.applied.legal).toBe(2);
    expect(summary.counts.rejected.unknown_status).toBe(1);
  });

  test('bad options throw LifecycleError(invalid_argument)', () => {
    for (const options of [{ policy: 'lenient' }, { maxSeenIdsPerMessage: -1 }, { maxListed: 1.5 }, { channels: ['fax'] }, { channels: [{}] }]) {
      expect(() => createReplay(options as never)).toThrow(expect.objectContaining({ code: 'invalid_argument' }) as LifecycleError);
    }
  });
});
