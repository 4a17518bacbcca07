// What the handler knows of each provider's callbacks: the content types it
// sends, and how a parsed body becomes mapped events. Private to the handler.
import { createHash } from 'node:crypto';
import type { Channel } from '../catalog';
import { fromAwsSms } from '../providers/aws-sms';
import { fromInfobip } from '../providers/infobip';
import { fromMailgun } from '../providers/mailgun';
import { fromPostmark } from '../providers/postmark';
import type { ProviderResult } from '../providers/result';
import { fromSendGrid } from '../providers/sendgrid';
import { fromSes } from '../providers/ses';
import { fromTwilio } from '../providers/twilio';
import { fromVonage } from '../providers/vonage';
import type { WebhookProvider } from './types';

/** One event of a request, mapped, with the id that makes applying it idempotent. */
export interface Entry {
  readonly result: ProviderResult;
  /** The event's id when the provider gives none: the same request retried gives the same id. */
  readonly fallbackId: string;
}

/** A parsed body read: its events, nothing to apply (an SNS subscription message), or not the provider's shape. */
export type Read =
  | { readonly kind: 'entries'; readonly batch: boolean; readonly entries: readonly Entry[] }
  | { readonly kind: 'ignored'; readonly note: string }
  | { readonly kind: 'malformed'; readonly message: string };

export interface ProviderSpec {
  readonly channel: Channel;
  /** Reads a parsed body (JSON value, or a null-prototype form record). Never throws. */
  read(parsed: unknown, body: Uint8Array): Read;
}

/** A short digest of a request's bytes, for ids derived from it. */
export function digest(body: Uint8Array | string): string {
  return createHash('sha256').update(body).digest('base64url').slice(0, 22);
}

function single(provider: string, map: (payload: unknown) => ProviderResult): ProviderSpec['read'] {
  return (parsed, body) => ({ kind: 'entries', batch: false, entries: [{ result: map(parsed), fallbackId: `${provider}:${digest(body)}` }] });
}

function batch(provider: string, list: (parsed: unknown) => readonly unknown[] | string, map: (payload: unknown) => ProviderResult): ProviderSpec['read'] {
  return (parsed, body) => {
    const items = list(parsed);
    if (typeof items === 'string') return { kind: 'malformed', message: items };
    const base = `${provider}:${digest(body)}`;
    return { kind: 'entries', batch: true, entries: items.map((item, i) => ({ result: map(item), fallbackId: `${base}:${i}` })) };
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const own = (value: Record<string, unknown>, key: string): unknown => (Object.prototype.hasOwnProperty.call(value, key) ? value[key] : undefined);

/**
 * An Amazon SNS envelope: only a `Notification`'s inner `Message` (JSON) is
 * mapped; a subscription message (confirmed by the verifier) applies nothing.
 */
function sns(provider: string, map: (payload: unknown) => ProviderResult): ProviderSpec['read'] {
  return (parsed, body) => {
    if (!isRecord(parsed)) return { kind: 'malformed', message: 'an SNS message is a JSON object' };
    const type = own(parsed, 'Type');
    if (type === 'SubscriptionConfirmation' || type === 'UnsubscribeConfirmation') return { kind: 'ignored', note: `SNS ${type}: nothing to apply` };
    if (type !== 'Notification') return { kind: 'malformed', message: 'not an SNS Notification, SubscriptionConfirmation or UnsubscribeConfirmation' };
    const message = own(parsed, 'Message');
    if (typeof message !== 'string') return { kind: 'malformed', message: 'the SNS Notification has no Message text' };
    let inner: unknown;
    try {
      inner = JSON.parse(message);
    } catch {
      return { kind: 'malformed', message: 'the SNS Message is not JSON' };
    }
    const id = own(parsed, 'MessageId');
    // SNS retries a notification with the same MessageId: the natural id of the event.
    const fallbackId = typeof id === 'string' && id !== '' && id.length <= 200 ? `sns:${id}` : `${provider}:${digest(body)}`;
    return { kind: 'entries', batch: false, entries: [{ result: map(inner), fallbackId }] };
  };
}

/** Every provider the handler serves. */
export const PROVIDERS: Readonly<Record<WebhookProvider, ProviderSpec>> = Object.freeze({
  twilio: { channel: 'sms', read: single('twilio', fromTwilio) },
  sendgrid: {
    channel: 'email',
    read: batch('sendgrid', (parsed) => (Array.isArray(parsed) ? parsed : 'a SendGrid Event Webhook body is a JSON array'), (entry) => fromSendGrid([entry])[0]),
  },
  mailgun: { channel: 'email', read: single('mailgun', fromMailgun) },
  postmark: { channel: 'email', read: single('postmark', fromPostmark) },
  ses: { channel: 'email', read: sns('ses', fromSes) },
  'aws-sms': { channel: 'sms', read: sns('aws-sms', fromAwsSms) },
  vonage: { channel: 'sms', read: single('vonage', fromVonage) },
  infobip: {
    channel: 'sms',
    read: batch(
      'infobip',
      (parsed) => {
        const results = isRecord(parsed) ? own(parsed, 'results') : undefined;
        return Array.isArray(results) ? results : 'an Infobip delivery report is { "results": [...] }';
      },
      fromInfobip,
    ),
  },
});
