// The contract between the verifiers (one file per provider scheme) and the
// handler. Public: re-exported by ./index.

/** A provider's HTTP callback, as the verifiers read it. */
export interface WebhookRequest {
  /** HTTP method, upper case (`'POST'`). */
  readonly method: string;
  /** The absolute URL as this server received it (scheme, host, path and query). */
  readonly url: string;
  /** Header values by lower-case name (a repeated header joined with `, `). */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The body's bytes exactly as received; signatures are checked over these, never a re-serialisation. */
  readonly body: Uint8Array;
}

/** Why a request failed verification. */
export type VerifyCode =
  /** No signature, token or credentials where the scheme requires them. */
  | 'missing_signature'
  /** A signature, token or credential that does not match. */
  | 'bad_signature'
  /** A signed timestamp outside the tolerance window. */
  | 'stale_timestamp'
  /** A signature or token already used by a processed request inside the window. */
  | 'replayed'
  /** An SNS signing certificate from a host other than Amazon SNS's, or one that could not be read; or a topic not allowed. */
  | 'untrusted_certificate'
  /** The request lacks what the scheme needs to be checked at all (no timestamp, an unreadable signature envelope). */
  | 'malformed_request';

/** A verified request. */
export interface VerifyOk {
  readonly ok: true;
  /**
   * What identifies this signed request for replay protection (scheme-specific,
   * never a secret: e.g. `mailgun:<token>`), and how long it must be remembered.
   * Absent for schemes with nothing to replay-protect (Basic credentials).
   */
  readonly replay?: { readonly key: string; readonly ttlMs: number };
  /**
   * Amazon SNS only: the message type, so a handler applies only
   * Notifications (a confirmed SubscriptionConfirmation has nothing to apply),
   * and the SNS envelope's inner `Message` text.
   */
  readonly sns?: { readonly type: 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation'; readonly message: string; readonly confirmed?: boolean };
}

/** A refused request: `message` says why and never contains a secret, a signature or the body. */
export interface VerifyFailure {
  readonly ok: false;
  readonly code: VerifyCode;
  readonly message: string;
}

export type VerifyResult = VerifyOk | VerifyFailure;

/**
 * Remembers used signatures or tokens, so a captured request cannot be
 * replayed inside its window. The default is a bounded in-memory cache; a
 * service with several instances shares one (for example the PostgreSQL one).
 */
export interface ReplayCache {
  /** Records `key` for `ttlMs`; resolves `true` when it was already recorded and has not expired. Atomic per key. */
  seen(key: string, ttlMs: number): Promise<boolean>;
  /** Forgets a key recorded by `seen`: the request was not processed (answered 5xx), so the provider's retry must pass. */
  forget?(key: string): Promise<void>;
}

/** Options every verifier takes besides its provider's secrets. */
export interface CommonVerifyOptions {
  /** How far a signed timestamp may be from `now()`, either way; default 5 minutes. */
  readonly toleranceMs?: number;
  /**
   * Where used signatures are remembered. A verifier called on its own uses
   * up the key when it succeeds; the handler instead records it itself and
   * forgets it when applying fails. Default: none for a bare verifier call.
   */
  readonly replayCache?: ReplayCache;
  /** The clock, epoch ms; default `Date.now`. */
  readonly now?: () => number;
}

/** The providers the handler knows. */
export type WebhookProvider = 'twilio' | 'sendgrid' | 'mailgun' | 'postmark' | 'ses' | 'aws-sms' | 'vonage' | 'infobip';
