import type { CompiledLifecycle } from '../lifecycle';

/**
 * Memoises `build(lifecycle)` per lifecycle. The last lifecycle is checked by
 * identity before the `WeakMap`, so a hot loop on one channel pays one
 * comparison.
 */
export function perLifecycle<T>(build: (lifecycle: CompiledLifecycle) => T): (lifecycle: CompiledLifecycle) => T {
  const cache = new WeakMap<CompiledLifecycle, T>();
  let lastKey: CompiledLifecycle | undefined;
  let lastValue: T | undefined;
  return (lifecycle) => {
    if (lifecycle === lastKey) return lastValue as T;
    let value = cache.get(lifecycle);
    if (value === undefined) {
      value = build(lifecycle);
      cache.set(lifecycle, value);
    }
    lastKey = lifecycle;
    lastValue = value;
    return value;
  };
}
