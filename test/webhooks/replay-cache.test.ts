import fc from 'fast-check';

import { isLifecycleError } from '../../src/errors';
import { createMemoryReplayCache } from '../../src/webhooks';

describe('createMemoryReplayCache', () => {
  test('a key is seen until its TTL passes, then recorded afresh', async () => {
    let now = 0;
    const cache = createMemoryReplayCache({ now: () => now });
    expect(await cache.seen('k', 100)).toBe(false);
    now = 99;
    expect(await cache.seen('k', 100)).toBe(true);
    now = 100;
    expect(await cache.seen('k', 100)).toBe(false);
    now = 150;
    expect(await cache.seen('k', 100)).toBe(true);
  });

  test('forget lets the retry of an unprocessed request through', async () => {
    const cache = createMemoryReplayCache();
    expect(await cache.seen('k', 60_000)).toBe(false);
    await cache.forget!('k');
    expect(await cache.seen('k', 60_000)).toBe(false);
    expect(await cache.seen('k', 60_000)).toBe(true);
  });

  test('is bounded: the oldest key goes first', async () => {
    const cache = createMemoryReplayCache({ maxEntries: 3, now: () => 0 });
    for (const k of ['a', 'b', 'c', 'd']) expect(await cache.seen(k, 1000)).toBe(false);
    expect(cache.size).toBe(3);
    expect(await cache.seen('b', 1000)).toBe(true);
    expect(await cache.seen('a', 1000)).toBe(false); // evicted, so recorded again
  });

  test('expired keys are dropped as they are met, so the size stays small', async () => {
    let now = 0;
    const cache = createMemoryReplayCache({ now: () => now });
    for (let i = 0; i < 1000; i++) {
      now = i;
      await cache.seen(`k${i}`, 10);
    }
    expect(cache.size).toBeLessThanOrEqual(11);
  });

  test('matches a model: seen is true exactly when the key was recorded, not expired and not evicted', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd', 'e'), dt: fc.nat(50), ttl: fc.nat(100), forget: fc.boolean() }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 6 }),
        async (steps, maxEntries) => {
          let now = 0;
          const cache = createMemoryReplayCache({ maxEntries, now: () => now });
          const model = new Map<string, number>(); // key → expiry, insertion order
          for (const step of steps) {
            now += step.dt;
            if (step.forget) {
              await cache.forget!(step.key);
              model.delete(step.key);
              continue;
            }
            const expiry = model.get(step.key);
            const expected = expiry !== undefined && expiry > now;
            expect(await cache.seen(step.key, step.ttl)).toBe(expected);
            if (!expected) {
              model.delete(step.key);
              for (const [k, e] of model) if (e <= now) model.delete(k);
              model.set(step.key, now + step.ttl);
              while (model.size > maxEntries) model.delete(model.keys().next().value as string);
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  test('bad options and arguments', async () => {
    for (const bad of [{ maxEntries: 0 }, { maxEntries: 1.5 }, { now: 3 }]) {
      let thrown: unknown;
      try {
        createMemoryReplayCache(bad as never);
      } catch (e) {
        thrown = e;
      }
      expect(isLifecycleError(thrown) && thrown.code === 'invalid_argument').toBe(true);
    }
    const cache = createMemoryReplayCache();
    await expect(cache.seen(1 as never, 1)).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(cache.seen('k', -1)).rejects.toMatchObject({ code: 'invalid_argument' });
  });
});
