import type { ApplyResult } from '../reconcile';
import type { ProviderEvent, ProviderRejection } from '../providers/result';
import { LifecycleError, isLifecycleError } from '../errors';
import { show } from '../messages';
import { TooLarge, mediaType, parseForm, parseJson, readBounded, utf8 } from './body';
import { MEDIA_TYPES } from './media';
import type { Entry } from './providers';
import type { ReplayCache, VerifyResult, WebhookProvider, WebhookRequest } from './types';
import { createMemoryReplayCache } from './replay-cache';
import { VERIFIERS, type Verifier, type VerifyOptionsByProvider } from './verify';

/**
 * What the handler needs from a store: the part of the store contract
 * (`DeliveryStore`) it calls, so every engine's store fits as it is
 * (`createPostgresStore` over PostgreSQL or PGlite, `createRedisStore`;
 * test/store/contract.test.ts checks it), and a test double needs no more. Both must be
 * idempotent per event id: the handler gives every event one (the
 * provider's, else one derived from the request), so a retried request
 * counts nothing twice.
 */
export interface WebhookStore {
  apply(messageId: string, channel: 'sms' | 'email', event: { status: string; id?: string; at?: string }): Promise<ApplyResult>;
  /** Per item: the decision, or a rejection of that item alone (e.g. `channel_mismatch`). */
  applyMany(
    items: readonly { messageId: string; channel: 'sms' | 'email'; event: { status: string; id?: string; at?: string } }[],
  ): Promise<readonly (ApplyResult | { readonly outcome: 'rejected'; readonly code: string; readonly message: string })[]>;
  /** When present, each side event (spam complaint, unsubscribe) is kept in the store, once per event id. */
  recordSideEvent?(messageId: string, event: { id: string; provider?: string; kind?: string; detail?: string }): Promise<unknown>;
}

/** What happened to one event of a verified callback, as the response body lists it. */
export interface WebhookEntryResult {
  /**
   * `applied`, `ignored` (duplicate or late) and `rejected` are the lifecycle's
   * decision (or `handled` when `onEvent` took it); `side_event` went to
   * `onSideEvent`; `unmapped` has no catalog status; `malformed` is an entry
   * that is not of the provider's shape (it does not spoil the others).
   */
  readonly outcome: 'applied' | 'ignored' | 'rejected' | 'handled' | 'side_event' | 'unmapped' | 'malformed';
  readonly messageId?: string;
  /** The message's status after it (store only). */
  readonly status?: string;
  /** The lifecycle's or the mapper's code, e.g. `duplicate`, `stale`, `unmapped_status`. */
  readonly code?: string;
}

/** Why a request or an entry was not applied, for {@link WebhookHandlerOptions.onRejected}. Never holds a secret. */
export type WebhookRejection =
  | {
      readonly kind: 'request';
      /** The HTTP status answered. */
      readonly status: number;
      /** A verifier code (`bad_signature`…) or the handler's (`method_not_allowed`, `unsupported_media_type`, `payload_too_large`, `malformed_body`, `apply_failed`). */
      readonly code: string;
      readonly message: string;
    }
  | {
      readonly kind: 'entry';
      /** A mapper code (`malformed_payload`, `unmapped_status`) or the lifecycle's (`from_final`, `illegal_transition`…), or `invalid_event` from the store. */
      readonly code: string;
      readonly message: string;
      readonly messageId?: string;
    };

/** Options every provider's handler takes. */
interface CommonHandlerOptions {
  /** Largest body read, in bytes; default 1 MiB. Past it the answer is 413 and the rest is not read. */
  readonly maxBodyBytes?: number;
  /** The clock, epoch ms (given to the verifier); default `Date.now`. */
  readonly now?: () => number;
  /** A spam complaint, an unsubscribe…: real events that are not a delivery status. A throw answers 503. */
  readonly onSideEvent?: (event: ProviderRejection, provider: WebhookProvider) => void | Promise<void>;
  /** Every refused request and every entry not applied (besides side events); for logging. Its throws are ignored. */
  readonly onRejected?: (rejection: WebhookRejection, provider: WebhookProvider) => void | Promise<void>;
}

/** Where verified events go: a store, or your own function. */
type Sink =
  | {
      /** The store to apply events to (e.g. `createPostgresStore(pool)`); batches go in one `applyMany`. */
      readonly store: WebhookStore;
      readonly onEvent?: undefined;
    }
  | {
      readonly store?: undefined;
      /** Your own handling of each mapped event, in order; may be async. A throw answers 503. Give events' `id` to your deduplication. */
      readonly onEvent: (event: ProviderEvent, provider: WebhookProvider) => void | Promise<void>;
    };

/**
 * The handler's options for provider `P`: `verify` is that provider's secrets
 * (the object its `verify…` function takes, plus `toleranceMs` and
 * `replayCache`), or `false` to skip verification (say it explicitly: a
 * handler with neither refuses to construct).
 */
export type WebhookHandlerOptions<P extends WebhookProvider = WebhookProvider> = P extends WebhookProvider
  ? CommonHandlerOptions & Sink & { readonly provider: P; readonly verify: VerifyOptionsByProvider[P] | false }
  : never;

/** A WHATWG fetch handler: `Request` in, `Response` out. It never throws and never answers 500. */
export type WebhookHandler = (request: Request) => Promise<Response>;

const MIB = 1024 * 1024;

/**
 * Builds the receiving end of a provider's status callbacks: reads the body
 * (bounded), verifies the request with the provider's scheme, maps it with
 * the provider's `from…` function and applies the events to `store` (a batch
 * in one `applyMany`) or hands them to `onEvent`. Answers with a small JSON
 * body:
 *
 * - 200 verified and well formed, whatever the lifecycle decided (each entry's outcome is listed);
 * - 401 refused by verification (nothing parsed further, nothing applied);
 * - 400 not the provider's shape at all; 405 not POST; 415 a content type the provider never sends;
 * - 413 the body passed `maxBodyBytes` (reading stops there);
 * - 503 applying failed: the request's replay key is forgotten so the provider's retry passes, and
 *   since every event carries an id the retry counts nothing twice.
 *
 * Throws `LifecycleError` (`invalid_argument`) at construction for misuse: an
 * unknown provider, `verify` missing (pass `false` to skip it, explicitly),
 * neither or both of `store` and `onEvent`.
 *
 * @example
 * import { createWebhookHandler, toNodeListener } from 'delivery-lifecycle/webhooks';
 * const handler = createWebhookHandler({
 *   provider: 'twilio',
 *   verify: { authToken: process.env.TWILIO_AUTH_TOKEN!, publicUrl: 'https://example.com/hooks/twilio' },
 *   store, // createPostgresStore(pool)
 * });
 * http.createServer(toNodeListener(handler)).listen(8080);
 */
export function createWebhookHandler<P extends WebhookProvider>(options: WebhookHandlerOptions<P>): WebhookHandler {
  const config = checkOptions(options as WebhookHandlerOptions);
  return (request) => handle(config, request);
}

interface Config {
  readonly provider: WebhookProvider;
  readonly verify: ((request: WebhookRequest) => Promise<VerifyResult>) | undefined;
  readonly replayCache: ReplayCache | undefined;
  readonly maxBodyBytes: number;
  readonly store: WebhookStore | undefined;
  readonly onEvent: ((event: ProviderEvent, provider: WebhookProvider) => void | Promise<void>) | undefined;
  readonly onSideEvent: CommonHandlerOptions['onSideEvent'];
  readonly onRejected: CommonHandlerOptions['onRejected'];
}

function misuse(message: string): never {
  throw new LifecycleError('invalid_argument', `createWebhookHandler: ${message}`);
}

function optionalFunction<T>(value: T, name: string): T {
  if (value !== undefined && typeof value !== 'function') misuse(`${name} must be a function, got ${show(value)}`);
  return value;
}

const PROBE: WebhookRequest = Object.freeze({ method: 'POST', url: 'https://localhost/', headers: Object.freeze({}), body: new Uint8Array(0) });

function checkOptions(options: WebhookHandlerOptions): Config {
  if (typeof options !== 'object' || options === null) misuse(`options must be an object, got ${show(options)}`);
  const provider = options.provider;
  if (typeof provider !== 'string' || !Object.prototype.hasOwnProperty.call(MEDIA_TYPES, provider)) {
    misuse(`provider must be one of ${Object.keys(MEDIA_TYPES).join(', ')}, got ${show(provider)}`);
  }
  const verifyOptions = (options as { verify?: unknown }).verify;
  if (verifyOptions === undefined) {
    misuse(`verify is required: give ${provider}'s secrets, or verify: false to accept unverified callbacks (anyone could then forge a status)`);
  }
  if (verifyOptions !== false && (typeof verifyOptions !== 'object' || verifyOptions === null)) {
    misuse(`verify must be ${provider}'s verification options or false, got ${typeof verifyOptions}`);
  }
  const maxBodyBytes = options.maxBodyBytes ?? MIB;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) misuse(`maxBodyBytes must be a positive integer, got ${show(maxBodyBytes)}`);
  const now = optionalFunction(options.now, 'now');
  const store = options.store;
  const onEvent = optionalFunction(options.onEvent, 'onEvent');
  if ((store === undefined) === (onEvent === undefined)) misuse('give exactly one of store and onEvent');
  if (store !== undefined && (typeof store !== 'object' || store === null || typeof store.apply !== 'function' || typeof store.applyMany !== 'function')) {
    misuse('store must have apply and applyMany (e.g. createPostgresStore(pool))');
  }
  let verify: Config['verify'];
  let replayCache: ReplayCache | undefined;
  if (verifyOptions !== false) {
    const given = verifyOptions as { replayCache?: ReplayCache; now?: () => number };
    // Default: a bounded memory cache of this handler's own (one process; share one across instances).
    replayCache = given.replayCache ?? createMemoryReplayCache();
    if (typeof replayCache.seen !== 'function') misuse('verify.replayCache must have seen(key, ttlMs)');
    // The handler records replay keys itself (and forgets them on 503), so the verifier gets no cache.
    const { replayCache: _omitted, ...rest } = given;
    void _omitted;
    const withClock = (now === undefined || rest.now !== undefined ? rest : { ...rest, now }) as never;
    const verifier = VERIFIERS[provider] as Verifier<typeof provider>;
    // Verifiers check their options before anything else and throw at once:
    // one call with an empty request surfaces a misconfiguration now, not on the first callback.
    verifier(PROBE, withClock).catch(() => undefined);
    verify = (request) => verifier(request, withClock);
  }
  return {
    provider,
    verify,
    replayCache,
    maxBodyBytes,
    store,
    onEvent,
    onSideEvent: optionalFunction(options.onSideEvent, 'onSideEvent'),
    onRejected: optionalFunction(options.onRejected, 'onRejected'),
  };
}

let loaded: Promise<typeof import('./providers').PROVIDERS> | undefined;

/**
 * The provider mappings (and with them the catalog and xstate), loaded on the
 * first callback that passes verification: importing the verifiers alone
 * stays light.
 */
function mappers(): Promise<typeof import('./providers').PROVIDERS> {
  loaded ??= import('./providers').then((m) => m.PROVIDERS);
  return loaded;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

function answer(status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } });
}

async function notify(config: Config, rejection: WebhookRejection): Promise<void> {
  if (config.onRejected === undefined) return;
  try {
    await config.onRejected(rejection, config.provider);
  } catch {
    // A logging hook must not change the answer.
  }
}

async function refuse(config: Config, status: number, code: string, message: string, headers?: Record<string, string>): Promise<Response> {
  await notify(config, { kind: 'request', status, code, message });
  return answer(status, { ok: false, error: code, message }, headers);
}

function headersOf(request: Request): Record<string, string> {
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return headers;
}

async function handle(config: Config, request: Request): Promise<Response> {
  let replayKey: string | undefined;
  try {
    if (request.method !== 'POST') {
      return await refuse(config, 405, 'method_not_allowed', `${config.provider} callbacks are POST requests`, { allow: 'POST' });
    }
    const accepted = MEDIA_TYPES[config.provider];
    const type = mediaType(request.headers.get('content-type'));
    if (type === undefined || !accepted.includes(type)) {
      return await refuse(config, 415, 'unsupported_media_type', `${config.provider} callbacks are ${accepted.join(' or ')}`);
    }
    let body: Uint8Array;
    try {
      body = await readBounded(request, config.maxBodyBytes);
    } catch (error) {
      if (error instanceof TooLarge) {
        return await refuse(config, 413, 'payload_too_large', `the body is larger than ${config.maxBodyBytes} bytes`, { connection: 'close' });
      }
      return await refuse(config, 400, 'malformed_body', 'the body could not be read');
    }
    if (config.verify !== undefined) {
      let verified: VerifyResult;
      try {
        verified = await config.verify({ method: request.method, url: request.url, headers: headersOf(request), body });
      } catch {
        verified = { ok: false, code: 'malformed_request', message: 'the request could not be verified' };
      }
      if (!verified.ok) return await refuse(config, 401, verified.code, verified.message);
      if (verified.replay !== undefined && config.replayCache !== undefined) {
        let seen: boolean;
        try {
          seen = await config.replayCache.seen(verified.replay.key, verified.replay.ttlMs);
        } catch {
          return await refuse(config, 503, 'replay_cache_unavailable', 'the replay cache could not be checked; retry later', { 'retry-after': '5' });
        }
        if (seen) return await refuse(config, 401, 'replayed', 'this signed request was already processed');
        replayKey = verified.replay.key;
      }
    }
    const text = utf8(body);
    if (text === undefined) return await failBeforeApply(config, replayKey, 400, 'malformed_body', 'the body is not UTF-8 text');
    const parsed = type === 'application/x-www-form-urlencoded' ? parseForm(text) : parseJson(text);
    if (parsed === undefined) return await failBeforeApply(config, replayKey, 400, 'malformed_body', 'the body is not JSON');
    const read = (await mappers())[config.provider].read(parsed, body);
    if (read.kind === 'malformed') return await failBeforeApply(config, replayKey, 400, 'malformed_body', read.message);
    if (read.kind === 'ignored') return answer(200, { ok: true, note: read.note, results: [] });
    const single = !read.batch && read.entries.length === 1;
    const first = read.entries[0]?.result;
    if (single && first !== undefined && !first.ok && first.code === 'malformed_payload') {
      return await failBeforeApply(config, replayKey, 400, 'malformed_body', first.message);
    }
    const results = await apply(config, read.entries);
    return answer(200, { ok: true, results });
  } catch (error) {
    if (replayKey !== undefined) await forget(config, replayKey);
    const message = isLifecycleError(error) ? error.message : 'applying the events failed; retry later';
    await notify(config, { kind: 'request', status: 503, code: 'apply_failed', message });
    return answer(503, { ok: false, error: 'apply_failed', message: 'applying the events failed; retry later' }, { 'retry-after': '5' });
  }
}

async function forget(config: Config, key: string): Promise<void> {
  try {
    await config.replayCache?.forget?.(key);
  } catch {
    // The key then expires on its own; the provider's retry is refused as replayed until it does.
  }
}

/** A 4xx after the replay key was recorded: nothing was processed, so the key is given back (only a 2xx uses it up). */
async function failBeforeApply(config: Config, key: string | undefined, status: number, code: string, message: string): Promise<Response> {
  if (key !== undefined) await forget(config, key);
  return refuse(config, status, code, message);
}

async function apply(config: Config, entries: readonly Entry[]): Promise<WebhookEntryResult[]> {
  const results: (WebhookEntryResult | undefined)[] = new Array(entries.length).fill(undefined);
  const events: { index: number; event: ProviderEvent }[] = [];
  for (const [index, { result, fallbackId }] of entries.entries()) {
    if (result.ok) {
      events.push({ index, event: result.event.id === undefined ? { ...result.event, id: fallbackId } : result.event });
      continue;
    }
    const base = result.messageId === undefined ? {} : { messageId: result.messageId };
    if (result.code === 'side_event') {
      if (config.onSideEvent !== undefined) await config.onSideEvent(result, config.provider);
      if (config.store?.recordSideEvent !== undefined && result.messageId !== undefined) {
        await config.store.recordSideEvent(result.messageId, { id: fallbackId, provider: config.provider, kind: result.code, ...(result.detail === undefined ? {} : { detail: result.detail }) });
      }
      results[index] = { ...base, outcome: 'side_event' };
      continue;
    }
    await notify(config, { kind: 'entry', code: result.code, message: result.message, ...base });
    results[index] = { ...base, outcome: result.code === 'unmapped_status' ? 'unmapped' : 'malformed', code: result.code };
  }
  if (config.onEvent !== undefined) {
    for (const { index, event } of events) {
      await config.onEvent(event, config.provider);
      results[index] = { messageId: event.messageId, outcome: 'handled' };
    }
  } else if (events.length > 0) {
    const store = config.store as WebhookStore;
    const item = ({ event }: { event: ProviderEvent }) => ({ messageId: event.messageId, channel: event.channel, event: reportOf(event) });
    let applied: readonly (Awaited<ReturnType<WebhookStore['applyMany']>>[number] | LifecycleError)[];
    try {
      // applyMany even for one event: it answers a message stored under
      // another channel with a per-item `channel_mismatch`, where apply throws.
      applied = await store.applyMany(events.map(item));
    } catch (error) {
      // A store refuses a whole batch for one bad item (an id too long for it):
      // judge each alone; anything else (the database is down) answers 503.
      if (!isLifecycleError(error) || events.length === 1) {
        if (isLifecycleError(error)) applied = [error];
        else throw error;
      } else {
        const each: (ApplyResult | LifecycleError)[] = [];
        applied = each;
        for (const one of events) {
          try {
            each.push(await store.apply(one.event.messageId, one.event.channel, reportOf(one.event)));
          } catch (inner) {
            if (!isLifecycleError(inner)) throw inner;
            each.push(inner);
          }
        }
      }
    }
    for (const [k, { index, event }] of events.entries()) {
      const outcome = applied[k];
      if (isLifecycleError(outcome)) {
        await notify(config, { kind: 'entry', code: 'invalid_event', message: outcome.message, messageId: event.messageId });
        results[index] = { messageId: event.messageId, outcome: 'malformed', code: 'invalid_event' };
        continue;
      }
      if (outcome.outcome === 'rejected') {
        await notify(config, { kind: 'entry', code: outcome.code, message: outcome.message, messageId: event.messageId });
      }
      const entry: { -readonly [K in keyof WebhookEntryResult]: WebhookEntryResult[K] } = { messageId: event.messageId, outcome: outcome.outcome };
      if ('status' in outcome) entry.status = outcome.status;
      if (outcome.outcome !== 'applied') entry.code = outcome.code;
      results[index] = entry;
    }
  }
  return results as WebhookEntryResult[];
}

function reportOf(event: ProviderEvent): { status: string; id?: string; at?: string } {
  const report: { status: string; id?: string; at?: string } = { status: event.status };
  if (event.id !== undefined) report.id = event.id;
  if (event.at !== undefined) report.at = event.at;
  return report;
}
