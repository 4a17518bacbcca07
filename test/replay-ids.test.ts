import fc from 'fast-check';
import { ARRAY_IDS, RememberedIds, replayLines, type IdList } from '../src/replay';

/** The rule stated plainly: the last `max` distinct ids, oldest forgotten first. */
function model(max: number): (id: string) => boolean {
  const kept: string[] = [];
  return (id) => {
    if (kept.includes(id)) return true;
    kept.push(id);
    if (kept.length > max) kept.shift();
    return false;
  };
}

function ids(max: number): { seenBefore: (id: string) => boolean; message: { seen: IdList } } {
  const memory = new RememberedIds(max);
  const message = { seen: null as IdList };
  memory.message = message;
  return { seenBefore: (id) => memory.seenBefore(id), message };
}

const kind = (seen: IdList): string => (seen === null ? 'none' : typeof seen === 'string' ? 'inline' : Array.isArray(seen) ? 'array' : 'set');

describe("a replay message's remembered event ids", () => {
  // Deliberate faults this caught, each tried once and restored: the Set evicting its newest id
  // instead of its oldest; the inline id kept (not replaced) when max is 1; the array→Set upgrade
  // dropping the id that caused it; shift() removed from the full array (the array grew past max).
  test('answer like "the last max distinct ids, oldest forgotten first", across inline, array and Set', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: ARRAY_IDS * 2 + 3 }),
        fc.array(fc.integer({ min: 0, max: ARRAY_IDS * 3 }), { minLength: 60, maxLength: 300 }),
        (max, draws) => {
          const subject = ids(max);
          const expected = model(max);
          for (const n of draws) {
            const id = `evt-${n}`;
            if (subject.seenBefore(id) !== expected(id)) return false;
          }
          return true;
        },
      ),
      { numRuns: 400 },
    );
  });

  test('one id is held inline, then an array, and a Set only beyond ARRAY_IDS', () => {
    const few = ids(ARRAY_IDS);
    expect(kind(few.message.seen)).toBe('none');
    few.seenBefore('a');
    expect(few.message.seen).toBe('a');
    few.seenBefore('b');
    expect(few.message.seen).toEqual(['a', 'b']);
    for (let i = 2; i < ARRAY_IDS + 5; i++) few.seenBefore(`id-${i}`);
    // Full at max = ARRAY_IDS: an array still, the oldest gone first.
    expect(kind(few.message.seen)).toBe('array');
    expect((few.message.seen as string[]).length).toBe(ARRAY_IDS);
    expect(few.seenBefore('a')).toBe(false);

    const many = ids(ARRAY_IDS + 2);
    for (let i = 0; i < ARRAY_IDS; i++) many.seenBefore(`id-${i}`);
    expect(kind(many.message.seen)).toBe('array');
    expect(many.seenBefore(`id-${ARRAY_IDS}`)).toBe(false);
    expect(kind(many.message.seen)).toBe('set');
    expect([...(many.message.seen as Set<string>)]).toEqual(Array.from({ length: ARRAY_IDS + 1 }, (_, i) => `id-${i}`));
    many.seenBefore('x');
    many.seenBefore('y'); // one past max: id-0 is forgotten, id-1 kept
    expect(many.seenBefore('id-1')).toBe(true);
    expect(many.seenBefore('id-0')).toBe(false);

    const one = ids(1);
    one.seenBefore('a');
    one.seenBefore('b');
    expect(one.message.seen).toBe('b');
    expect(one.seenBefore('b')).toBe(true);
    expect(one.seenBefore('a')).toBe(false);
  });

  test('through the replay: a message with more ids than ARRAY_IDS still knows its first one while within the bound', () => {
    const lines = Array.from({ length: ARRAY_IDS + 4 }, (_, i) => JSON.stringify({ message: 'm', channel: 'email', status: 'OPEN', id: `evt-${i}` }));
    lines.push(JSON.stringify({ message: 'm', channel: 'email', status: 'OPEN', id: 'evt-0' }));
    // Within the bound the repeated first id is an ignored duplicate; beyond it, a counted repeat OPEN (applied).
    const kept = replayLines(lines, { maxSeenIdsPerMessage: ARRAY_IDS + 8 }).counts;
    const forgotten = replayLines(lines, { maxSeenIdsPerMessage: ARRAY_IDS + 2 }).counts;
    expect([kept.applied.total, kept.ignored.duplicate]).toEqual([ARRAY_IDS + 4, 1]);
    expect([forgotten.applied.total, forgotten.ignored.duplicate]).toEqual([ARRAY_IDS + 5, 0]);
  });
});
