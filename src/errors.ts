const BRAND = Symbol.for('delivery-lifecycle.LifecycleError');

/**
 * Why a transition check fails, in the order they are checked (see
 * LIFECYCLE.md, "Ordering"). `checkTransition`'s rejection union is built from
 * these, and {@link TransitionCode} is derived back from that union.
 */
export const TRANSITION_CODES = [
  'unknown_channel',
  'unknown_status',
  'inapplicable_status',
  'duplicate',
  'skipped',
  'stale',
  'from_final',
  'illegal_transition',
] as const;

/** Why a transition is refused: one of {@link TRANSITION_CODES}. */
export type TransitionCode = (typeof TRANSITION_CODES)[number];

/** Codes for misuse that is not about one transition. */
export type UsageErrorCode =
  /** A reconcile/tracker event that is not an object of the documented shape. */
  | 'invalid_event'
  /** A tracker snapshot that is not a valid, legal snapshot of this library. */
  | 'invalid_snapshot'
  /** A channel definition (or machine) that breaks the lifecycle rules. */
  | 'invalid_definition'
  /** An option or argument of the wrong type or range. */
  | 'invalid_argument'
  /** A feature's optional peer dependency (e.g. `@viz-js/viz` for SVG) is not installed; the message names it. */
  | 'missing_dependency';

/** Every code a {@link LifecycleError} may carry. */
export type LifecycleErrorCode = TransitionCode | UsageErrorCode;

export interface LifecycleErrorDetails {
  readonly channel?: string | undefined;
  readonly from?: unknown;
  readonly to?: unknown;
  readonly cause?: unknown;
}

/**
 * The one error class the throwing API uses. `code` says what went wrong;
 * `channel`, `from` and `to` repeat the offending input (as given) when there
 * is one.
 *
 * @example
 * try { assertTransition('sms', 'DELIVERED', 'SUBMITTED') }
 * catch (e) { if (isLifecycleError(e) && e.code === 'stale') ignore() }
 */
export class LifecycleError extends Error {
  readonly code: LifecycleErrorCode;
  readonly channel: string | undefined;
  readonly from: unknown;
  readonly to: unknown;

  constructor(code: LifecycleErrorCode, message: string, details: LifecycleErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'LifecycleError';
    this.code = code;
    this.channel = details.channel;
    this.from = details.from;
    this.to = details.to;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /**
   * `instanceof LifecycleError` holds for an error thrown by any copy of this
   * package in the process (the ESM and CommonJS builds, and each CommonJS
   * entry, carry their own copy of this class). A subclass keeps the usual
   * prototype check.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== LifecycleError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/**
 * True for a {@link LifecycleError}, also one thrown by another copy of this
 * package (ESM and CJS builds loaded side by side).
 */
export function isLifecycleError(error: unknown): error is LifecycleError {
  return error instanceof LifecycleError;
}
