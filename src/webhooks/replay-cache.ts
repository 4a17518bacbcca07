import { LifecycleError } from '../errors';
import type { ReplayCache } from './types';

/** Options of {@link createMemoryReplayCache}. */
export interface MemoryReplayCacheOptions {
  /** At most this many keys are kept; when full, the oldest recorded key goes first. Default 100 000. */
  readonly maxEntries?: number;
  /** The clock, epoch ms; default `Date.now`. */
  readonly now?: () => number;
}

/**
 * A bounded in-memory {@link ReplayCache} for one process. `seen(key, ttlMs)`
 * records `key` until `now() + ttlMs` and answers `true` when it was already
 * recorded and not yet expired. Expired keys are dropped as they are met;
 * when `maxEntries` is reached the oldest recorded key is evicted, so under a
 * flood of distinct keys a replay of an evicted one is no longer caught:
 * size `maxEntries` above the number of signed requests one window holds. A
 * service with several instances shares a cache instead (for example the
 * PostgreSQL one).
 *
 * @example
 * const replayCache = createMemoryReplayCache({ maxEntries: 50_000 });
 * const result = await verifyMailgun(request, { signingKey, replayCache });
 * // the same request again inside the window → { ok: false, code: 'replayed' }
 */
export function createMemoryReplayCache(options: MemoryReplayCacheOptions = {}): ReplayCache & { readonly size: number } {
  if (typeof options !== 'object' || options === null) throw new LifecycleError('invalid_argument', 'createMemoryReplayCache: options must be an object');
  const maxEntries = options.maxEntries ?? 100_000;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new LifecycleError('invalid_argument', 'createMemoryReplayCache: maxEntries must be a positive integer');
  }
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw new LifecycleError('invalid_argument', 'createMemoryReplayCache: now must be a function');
  // Insertion order is eviction order: a key recorded again moves to the end.
  const expiries = new Map<string, number>();

  function sweep(at: number): void {
    // Drop expired keys from the oldest end; stop at the first live one.
    for (const [key, expiry] of expiries) {
      if (expiry > at) break;
      expiries.delete(key);
    }
  }

  return {
    get size() {
      return expiries.size;
    },
    seen(key: string, ttlMs: number): Promise<boolean> {
      if (typeof key !== 'string') return Promise.reject(new LifecycleError('invalid_argument', 'replay cache: key must be a string'));
      if (typeof ttlMs !== 'number' || !(ttlMs >= 0)) return Promise.reject(new LifecycleError('invalid_argument', 'replay cache: ttlMs must be a number, 0 or more'));
      const at = now();
      const expiry = expiries.get(key);
      if (expiry !== undefined && expiry > at) return Promise.resolve(true);
      expiries.delete(key);
      sweep(at);
      if (expiries.size >= maxEntries) {
        // Full: drop every expired key first (an expired one may sit behind a
        // live one), then the oldest live keys.
        for (const [k, e] of expiries) if (e <= at) expiries.delete(k);
        while (expiries.size >= maxEntries) expiries.delete(expiries.keys().next().value as string);
      }
      expiries.set(key, at + ttlMs);
      return Promise.resolve(false);
    },
    forget(key: string): Promise<void> {
      expiries.delete(key);
      return Promise.resolve();
    },
  };
}
