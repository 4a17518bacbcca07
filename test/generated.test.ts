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
