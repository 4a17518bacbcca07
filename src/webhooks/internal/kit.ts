// What every verifier shares: results, option checks, constant-time
// comparison, the timestamp window and using up a replay key. Private.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

import { LifecycleError } from '../../errors';
import type { ReplayCache, VerifyCode, VerifyFailure, VerifyOk, VerifyResult, WebhookRequest } from '../types';

/** The default tolerance of a signed timestamp, either way: 5 minutes. */
export const DEFAULT_TOLERANCE_MS = 5 * 60 * 1000;

export function fail(code: VerifyCode, message: string): VerifyFailure {
  return { ok: false, code, message };
}

export const OK: VerifyOk = Object.freeze({ ok: true });

/** Options every verifier takes, checked once: the clock, the window and the cache. */
export interface Common {
  readonly toleranceMs: number;
  readonly now: () => number;
  readonly replayCache: ReplayCache | undefined;
}

function misuse(message: string): LifecycleError {
  return new LifecycleError('invalid_argument', message);
}

/** Throws `invalid_argument` unless `options` is a plain options object. */
export function optionsObject(options: unknown, fn: string): Record<string, unknown> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw misuse(`${fn}: options must be an object`);
  }
  return options as Record<string, unknown>;
}

/** Reads an own property only: an inherited `__proto__` or `constructor` is never an option. */
export function own(options: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(options, key) ? options[key] : undefined;
}

/**
 * A required secret: a non-empty string. The message names the option, never
 * its value.
 */
export function secretOption(options: Record<string, unknown>, key: string, fn: string): string {
  const value = own(options, key);
  if (typeof value !== 'string' || value.length === 0) {
    throw misuse(`${fn}: options.${key} must be a non-empty string`);
  }
  return value;
}

/** Checks the options every verifier takes and fills in the defaults. */
export function commonOptions(options: Record<string, unknown>, fn: string): Common {
  const toleranceMs = own(options, 'toleranceMs');
  if (toleranceMs !== undefined && (typeof toleranceMs !== 'number' || !Number.isFinite(toleranceMs) || toleranceMs < 0)) {
    throw misuse(`${fn}: options.toleranceMs must be a finite number of milliseconds, 0 or more`);
  }
  const now = own(options, 'now');
  if (now !== undefined && typeof now !== 'function') throw misuse(`${fn}: options.now must be a function returning epoch milliseconds`);
  const replayCache = own(options, 'replayCache');
  if (
    replayCache !== undefined &&
    (typeof replayCache !== 'object' || replayCache === null || typeof (replayCache as ReplayCache).seen !== 'function')
  ) {
    throw misuse(`${fn}: options.replayCache must have a seen(key, ttlMs) method`);
  }
  return {
    toleranceMs: (toleranceMs as number | undefined) ?? DEFAULT_TOLERANCE_MS,
    now: (now as (() => number) | undefined) ?? Date.now,
    replayCache: replayCache as ReplayCache | undefined,
  };
}

/** Throws `invalid_argument` unless `request` has the {@link WebhookRequest} shape. */
export function checkRequest(request: unknown, fn: string): WebhookRequest {
  const r = request as WebhookRequest | null;
  if (
    typeof r !== 'object' ||
    r === null ||
    typeof r.method !== 'string' ||
    typeof r.url !== 'string' ||
    typeof r.headers !== 'object' ||
    r.headers === null ||
    !(r.body instanceof Uint8Array)
  ) {
    throw misuse(`${fn}: request must be { method, url, headers, body: Uint8Array }`);
  }
  return r;
}

/** A header by lower-case name, own properties only; `undefined` when absent. */
export function header(request: WebhookRequest, name: string): string | undefined {
  const headers = request.headers as Record<string, unknown>;
  if (!Object.prototype.hasOwnProperty.call(headers, name)) return undefined;
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

// A key drawn once per process: comparing HMACs of both sides under it keeps
// the comparison constant time whatever the lengths, and the lengths secret.
const COMPARE_KEY = randomBytes(32);

/** Constant-time equality of two strings or byte strings of any lengths. */
export function safeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  const da = createHmac('sha256', COMPARE_KEY).update(a).digest();
  const db = createHmac('sha256', COMPARE_KEY).update(b).digest();
  return timingSafeEqual(da, db);
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** `Math.abs(now - at) <= tolerance`, or the failure that says which way it is off. */
export function checkWindow(atMs: number, common: Common, what: string): VerifyFailure | undefined {
  const now = common.now();
  if (Math.abs(now - atMs) <= common.toleranceMs) return undefined;
  return fail('stale_timestamp', `${what} is ${now > atMs ? 'older' : 'newer'} than the ${common.toleranceMs} ms tolerance allows`);
}

/** A Unix time in whole seconds, as the providers send it, in ms; `undefined` when it is not one. */
export function unixSeconds(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,12}$/.test(text)) return undefined;
  return Number(text) * 1000;
}

/**
 * The success result with its replay key; when the caller gave a
 * `replayCache`, the key is used up now and a key seen before is `replayed`.
 */
export async function succeed(common: Common, key: string, ttlMs: number, extra?: Pick<VerifyOk, 'sns'>): Promise<VerifyResult> {
  const result: VerifyOk = { ok: true, replay: { key, ttlMs }, ...extra };
  if (common.replayCache !== undefined && (await common.replayCache.seen(key, ttlMs))) {
    return fail('replayed', 'this signed request was already accepted inside its replay window');
  }
  return result;
}

/** The body as text (UTF-8, replacement characters for invalid bytes). */
export function bodyText(request: WebhookRequest): string {
  return Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength).toString('utf8');
}

/** The body parsed as JSON, `undefined` when it is not JSON. */
export function bodyJson(request: WebhookRequest): unknown {
  try {
    return JSON.parse(bodyText(request)) as unknown;
  } catch {
    return undefined;
  }
}

/** The media type of `content-type`, lower case, without parameters. */
export function mediaType(request: WebhookRequest): string {
  return (header(request, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Decodes canonical base64 only: Node's decoder ignores junk and the unused
 * bits of the last character, so several texts decode to the same bytes;
 * anything but the one canonical spelling is `undefined`.
 */
export function strictBase64(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64');
  return bytes.length > 0 && bytes.toString('base64') === text ? bytes : undefined;
}
