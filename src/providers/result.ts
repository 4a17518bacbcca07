// The types here are public (re-exported by ./index); the functions are
// helpers shared by the provider modules and are not exported from the package.
import { isApplicable, isFinal, type Channel, type StatusOf } from '../catalog';
import { show } from '../messages';

/** Why a payload gave no status. */
export type ProviderCode =
  /** Not the provider's documented shape: a missing or mistyped field, a broken date, a `__proto__` key. */
  | 'malformed_payload'
  /** Well formed, but its status has no catalog status (unknown to the table, or documented as unmapped). */
  | 'unmapped_status'
  /** A real event that is not a delivery status: a spam complaint, an unsubscribe. */
  | 'side_event';

/** A delivery status read from a provider callback. It is a `StatusReport`, so `reconcile` takes it as is. */
export interface ProviderEvent<C extends Channel = Channel> {
  readonly channel: C;
  /** The provider's message id, as given. */
  readonly messageId: string;
  /** A catalog status applicable to `channel`. */
  readonly status: StatusOf<C>;
  /** The provider's event id, where it has one (a repeat of it is a duplicate). */
  readonly id?: string;
  /** When it happened, as an ISO 8601 UTC string. */
  readonly at?: string;
  /** The provider's own status and reason, e.g. `"bounce/blocked"`. */
  readonly detail?: string;
}

/** A callback that gave no status, with why. `messageId` and `detail` are there when they could be read. */
export interface ProviderRejection {
  readonly ok: false;
  readonly code: ProviderCode;
  readonly message: string;
  readonly messageId?: string;
  readonly detail?: string;
}

/** What every `from…` function returns; it never throws. */
export type ProviderResult<C extends Channel = Channel> = { readonly ok: true; readonly event: ProviderEvent<C> } | ProviderRejection;

/** What one row of a mapping table leads to. */
export type Outcome<C extends Channel> = StatusOf<C> | 'side_event' | 'unmapped';

/** One documented provider value (or value combination) and what it maps to. */
export interface MappingRow<C extends Channel = Channel> {
  /** The provider's values, most general first: `['bounce', 'blocked']`. */
  readonly match: readonly string[];
  readonly outcome: Outcome<C>;
  /** Why, in a few words (shown in https://github.com/delivery-lifecycle/delivery-lifecycle/blob/main/docs/providers.md). */
  readonly note?: string;
}

/** A provider's whole mapping as data: the functions use it, and https://github.com/delivery-lifecycle/delivery-lifecycle/blob/main/docs/providers.md is generated from it. */
export interface ProviderMapping<C extends Channel = Channel> {
  /** The function's name, e.g. `fromTwilio`. */
  readonly fn: string;
  readonly provider: string;
  readonly channel: C;
  /** The payload fields whose values `match` lists, in the same order. */
  readonly fields: readonly string[];
  readonly rows: readonly MappingRow<C>[];
  /** Where the values are documented. */
  readonly reference: string;
}

/** A mapping with its lookup built once. */
export interface CompiledMapping<C extends Channel> extends ProviderMapping<C> {
  /** Most specific match first: `lookup(['bounce', 'blocked'])` tries `bounce/blocked`, then `bounce`. */
  readonly lookup: (values: readonly string[]) => MappingRow<C> | undefined;
}

/** Freezes a mapping table and builds its lookup; throws at load time for a status the channel does not use. */
export function defineMapping<C extends Channel>(mapping: ProviderMapping<C>): CompiledMapping<C> {
  const byKey = new Map<string, MappingRow<C>>();
  for (const row of mapping.rows) {
    const key = row.match.join('\u0000');
    if (byKey.has(key)) throw new Error(`${mapping.fn}: ${row.match.join('/')} is mapped twice`);
    if (row.outcome !== 'side_event' && row.outcome !== 'unmapped' && !isApplicable(mapping.channel, row.outcome)) {
      throw new Error(`${mapping.fn}: ${row.outcome} does not apply to ${mapping.channel}`);
    }
    byKey.set(key, Object.freeze({ ...row, match: Object.freeze([...row.match]) }));
  }
  const lookup = (values: readonly string[]): MappingRow<C> | undefined => {
    for (let n = values.length; n > 0; n--) {
      const row = byKey.get(values.slice(0, n).join('\u0000'));
      if (row !== undefined) return row;
    }
    return undefined;
  };
  return Object.freeze({ ...mapping, rows: Object.freeze([...byKey.values()]), fields: Object.freeze([...mapping.fields]), lookup });
}

/** Thrown inside a mapping function for a payload that is not of the documented shape; caught by {@link guarded}. */
export class Malformed extends Error {}

/** Runs a mapping function so that nothing escapes: any throw becomes `malformed_payload`. */
export function guarded<A extends unknown[], R>(name: string, run: (...args: A) => R | ProviderRejection): (...args: A) => R | ProviderRejection {
  return (...args: A) => {
    try {
      return run(...args);
    } catch (error) {
      const message = error instanceof Malformed ? error.message : 'the payload could not be read';
      return { ok: false, code: 'malformed_payload', message: `${name}: ${message}` };
    }
  };
}

const FORBIDDEN_KEYS = ['__proto__', 'constructor', 'prototype'];

/**
 * The payload as a plain record, or throws {@link Malformed}. Keys that could
 * reach a prototype are refused outright rather than skipped, so such a
 * payload never yields a status.
 */
export function record(value: unknown, what: string): Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Malformed(`${what} must be an object, got ${show(value)}`);
  for (const key of FORBIDDEN_KEYS) {
    if (Object.prototype.hasOwnProperty.call(value, key)) throw new Malformed(`${what} has a forbidden key ${JSON.stringify(key)}`);
  }
  return value as Record<string, unknown>;
}

/** An own property (inherited ones are never read). */
export function own(obj: Readonly<Record<string, unknown>>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

const MAX_TEXT = 4096;

/** A required non-empty string field. */
export function text(obj: Readonly<Record<string, unknown>>, key: string): string {
  const value = own(obj, key);
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TEXT) {
    throw new Malformed(`${key} must be a non-empty string, got ${show(value)}`);
  }
  return value;
}

/** An optional string field: `undefined` when absent or null, else it must be a non-empty string. */
export function optionalText(obj: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = own(obj, key);
  return value === undefined || value === null ? undefined : text(obj, key);
}

/** An optional id given as a string or a safe integer (a larger number lost digits in JSON.parse, so it is dropped). */
export function optionalId(obj: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = own(obj, key);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Malformed(`${key} must be a string or an integer, got ${show(value)}`);
    return Number.isSafeInteger(value) ? String(value) : undefined;
  }
  return text(obj, key);
}

/** Builds the result for a table row: an event, or why there is none. */
export function outcome<C extends Channel>(
  mapping: CompiledMapping<C>,
  values: readonly string[],
  fields: { messageId: string; id?: string | undefined; at?: string | undefined; detail?: string | undefined },
): ProviderResult<C> {
  const row = mapping.lookup(values);
  const shown = values.join('/');
  const detail = fields.detail ?? shown;
  if (row === undefined) {
    return reject('unmapped_status', `${mapping.fn}: ${show(shown)} is not a documented ${mapping.provider} status`, fields.messageId, detail);
  }
  if (row.outcome === 'unmapped') {
    return reject('unmapped_status', `${mapping.fn}: ${shown} has no catalog status${row.note ? ` (${row.note})` : ''}`, fields.messageId, detail);
  }
  if (row.outcome === 'side_event') {
    return reject('side_event', `${mapping.fn}: ${shown} is not a delivery status${row.note ? ` (${row.note})` : ''}`, fields.messageId, detail);
  }
  return accept(mapping.channel, row.outcome, fields.messageId, fields.id, fields.at, detail);
}

/** An `ok` result; the status is checked against the channel once more, so a wrong table can never leak out. */
export function accept<C extends Channel>(
  channel: C,
  status: StatusOf<C>,
  messageId: string,
  id: string | undefined,
  at: string | undefined,
  detail: string | undefined,
): ProviderResult<C> {
  if (!isApplicable(channel, status)) return reject('unmapped_status', `${status} does not apply to ${channel}`, messageId, detail);
  const event: { channel: C; messageId: string; status: StatusOf<C>; id?: string; at?: string; detail?: string } = { channel, messageId, status };
  if (id !== undefined) event.id = id;
  if (at !== undefined) event.at = at;
  if (detail !== undefined) event.detail = detail;
  return { ok: true, event };
}

/** A rejection result; `messageId` and `detail` are added only when known. */
export function reject(code: ProviderCode, message: string, messageId?: string, detail?: string): ProviderRejection {
  const result: { ok: false; code: ProviderCode; message: string; messageId?: string; detail?: string } = { ok: false, code, message };
  if (messageId !== undefined) result.messageId = messageId;
  if (detail !== undefined) result.detail = detail;
  return result;
}

/** Whether `status` is final on `channel` (for providers that say whether more reports will follow). */
export function finalOn<C extends Channel>(channel: C, status: StatusOf<C>): boolean {
  return isFinal(channel, status);
}
