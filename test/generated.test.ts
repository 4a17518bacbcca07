/**
 * The built-in channels' tables are generated from their machines at build
 * time (scripts/generate.ts), so that the package root loads no xstate. The
 * machines stay the single source of truth: these tests fail when a machine
 * changes and src/generated/lifecycles.ts is not regenerated.
 */
import { readFileSync } from 'node:fs';
import { GENERATED_PATH, renderGenerated } from '../scripts/generate';
import { CHANNELS, STATUSES, canTransition, fromTables, isCompiledLifecycle, lifecycleOf, toTables } from '../src';
import { GENERATED_TABLES } from '../src/generated/lifecycles';
import { compileLifecycle, machineFor } from '../src/machines';

test('the checked-in tables are what the generator writes for the machines as they are (run `npm run generate`)', () => {
  expect(readFileSync(GENERATED_PATH, 'utf8')).toBe(renderGenerated());
});

describe.each(CHANNELS)('%s', (channel) => {
  const compiled = compileLifecycle(machineFor(channel), { name: channel, vocabulary: STATUSES });
  const generated = lifecycleOf(channel);

  test('the generated lifecycle has every table of compileLifecycle run on the machine now', () => {
    expect(toTables(generated)).toEqual(toTables(compiled));
    expect(toTables(generated)).toEqual(GENERATED_TABLES[channel]);
  });

  test('lookups agree with the compiled lifecycle for every name of the catalog and a few others', () => {
    for (const name of [...STATUSES, 'registered', '__proto__', '', 'SUBMITTED ', 'OPEN\u0000']) {
      expect([name, generated.ids.get(name), generated.lookup.get(name)]).toEqual([name, compiled.ids.get(name), compiled.ids.get(name)]);
    }
  });

  test('it is a genuine, frozen lifecycle without a machine', () => {
    expect(isCompiledLifecycle(generated)).toBe(true);
    expect(Object.isFrozen(generated)).toBe(true);
    expect(generated.machine).toBeUndefined();
    expect(machineFor(channel).id).toBe(channel);
  });
});

test('fromTables round-trips any compiled lifecycle, and a changed table changes the answers', () => {
  const tables = toTables(lifecycleOf('email'));
  const copy = fromTables(JSON.parse(JSON.stringify(tables)) as typeof tables);
  expect(toTables(copy)).toEqual(tables);
  const edges = [...tables.edges];
  const k = tables.statuses.indexOf('SUBMITTED') * tables.statuses.length + tables.statuses.indexOf('OPEN');
  expect(edges[k]).toBe(0);
  edges[k] = 1;
  const altered = fromTables({ ...tables, edges });
  expect([canTransition(copy, 'SUBMITTED', 'OPEN'), canTransition(altered, 'SUBMITTED', 'OPEN')]).toEqual([false, true]);
});

describe('the lookup hint carried by the tables', () => {
  const tables = toTables(lifecycleOf('sms'));
  const names = [...STATUSES, 'registered', '__proto__', '', 'DELIVERED ', 'x'];
  const answers = (lifecycle: ReturnType<typeof fromTables>) => names.map((name) => [name, lifecycle.lookup.get(name)]);

  test('the generated tables carry the perfect hash that a search finds, so loading them need not search', () => {
    const { lookup, ...withoutHint } = tables;
    expect(lookup).toBeDefined();
    expect(toTables(fromTables(withoutHint)).lookup).toEqual(lookup);
  });

  // A hint is data from outside (tables may be stored and read back): a wrong
  // one must cost a search, never a wrong answer.
  test.each([
    ['a hint that collides', { mask: 1, a: 1, b: 1 }],
    ['a mask that is not 2^k - 1', { mask: 6, a: 1, b: 1 }],
    ['a non-integer hint', { mask: 15.5, a: 1, b: 1 }],
    ['a negative multiplier', { mask: 15, a: -3, b: 1 }],
    ['a mask larger than any search tries', { mask: 2 ** 20 - 1, a: 1, b: 1 }],
  ])('%s is refused for the searched hash: every name still resolves exactly', (_, hint) => {
    const expected = answers(fromTables(tables));
    const built = fromTables({ ...tables, lookup: hint });
    expect(answers(built)).toEqual(expected);
    expect(toTables(built).lookup).toEqual(tables.lookup);
    for (const [name, id] of expected) expect(id).toBe(lifecycleOf('sms').ids.get(name as string));
  });
});
