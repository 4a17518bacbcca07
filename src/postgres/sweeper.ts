import { LifecycleError } from '../errors';
import { show } from '../messages';
import type { DeliveryStore } from '../store';
import type { ExpireResult } from './store';

export interface SweeperOptions {
  /** Milliseconds between the end of one sweep and the start of the next; a positive integer. */
  readonly everyMs: number;
  /** The most messages one `expireDue` call moves; a sweep repeats the call while it moves that many. Default 1000. */
  readonly limit?: number;
  /** Called with an error a sweep raised; the sweeper keeps going. Default: a process warning. */
  readonly onError?: (error: unknown) => void;
  /** Called after each `expireDue` call that moved something. */
  readonly onSweep?: (result: ExpireResult) => void;
}

/** A running sweeper, from {@link startExpirySweeper}. */
export interface ExpirySweeper {
  /** Stops scheduling sweeps and resolves once a sweep in progress has finished. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Runs `store.expireDue` in the background, for a service that keeps
 * expiry in-process instead of a cron job (`delivery-lifecycle expire`).
 * Sweeps never overlap: the next one is scheduled `everyMs` after the
 * previous one ends, and a sweep drains the due messages in calls of
 * `limit`. Several sweepers (in several instances) may run at once: the
 * statement moves each message once. The timer is unref'd, so it does not
 * keep a process alive; call `stop()` before closing the pool. An error does
 * not stop the sweeper: it goes to `onError` (default: a process warning
 * with the error's message) and the next sweep is scheduled as usual.
 *
 * @example
 * const sweeper = startExpirySweeper(store, { everyMs: 30_000, limit: 500, onError: (e) => log.error(e) })
 * process.on('SIGTERM', async () => {
 *   await sweeper.stop()
 *   await pool.end()
 * })
 */
export function startExpirySweeper(store: Pick<DeliveryStore, 'expireDue'>, options: SweeperOptions): ExpirySweeper {
  if (typeof store !== 'object' || store === null || typeof store.expireDue !== 'function') {
    throw new LifecycleError('invalid_argument', `startExpirySweeper needs a store with expireDue (a PostgreSQL store or a Redis store), got ${show(store)}`);
  }
  if (typeof options !== 'object' || options === null) throw new LifecycleError('invalid_argument', `options must be an object, got ${show(options)}`);
  const { everyMs, limit = 1000, onError, onSweep } = options;
  if (!Number.isSafeInteger(everyMs) || everyMs <= 0) throw new LifecycleError('invalid_argument', `everyMs must be a positive integer, got ${show(everyMs)}`);
  if (!Number.isSafeInteger(limit) || limit <= 0) throw new LifecycleError('invalid_argument', `limit must be a positive integer, got ${show(limit)}`);
  if (onError !== undefined && typeof onError !== 'function') throw new LifecycleError('invalid_argument', 'onError must be a function');
  if (onSweep !== undefined && typeof onSweep !== 'function') throw new LifecycleError('invalid_argument', 'onSweep must be a function');
  const report =
    onError ??
    ((error: unknown) => {
      process.emitWarning(`delivery-lifecycle: expiry sweep failed: ${error instanceof Error ? error.message : String(error)}`);
    });

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const sweep = async (): Promise<void> => {
    try {
      for (;;) {
        const result = await store.expireDue({ limit });
        if (result.count > 0) onSweep?.(result);
        if (result.count < limit || stopped) break;
      }
    } catch (error) {
      try {
        report(error);
      } catch {
        // A throwing error handler must not kill the sweeper.
      }
    }
  };

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      running = sweep().finally(() => {
        running = undefined;
        schedule();
      });
    }, everyMs);
    timer.unref();
  };

  schedule();
  return {
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
