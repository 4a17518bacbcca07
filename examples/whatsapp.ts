import { type StatusOf } from '../src';
import { defineChannel } from '../src/machines';

/**
 * A WhatsApp-style channel, as WhatsApp Business platforms report it: the
 * send API answers `accepted`, then status webhooks say `sent`, `delivered`,
 * `read` or `failed`. Webhooks are not guaranteed to arrive in order, so a
 * `read` can come before its `delivered`, and a `sent` after both.
 *
 * Decisions, and why:
 * - `accepted` → `sent` | `failed`: the platform may refuse before sending
 *   (e.g. the number has no WhatsApp account).
 * - `sent` → `delivered` | `failed`: a message in transit can still fail
 *   (platforms report a failure after `sent`, e.g. the recipient cannot receive it).
 * - `delivered` → `read` only: once on the device it cannot fail. A `failed`
 *   after `delivered` (multi-device quirks) contradicts it and is rejected,
 *   never applied, so a late failure cannot overwrite a delivery.
 * - `delivered` is not final: `read` may follow. With read receipts off it
 *   never does, and the message simply stays `delivered`.
 * - `read` and `failed` are final: nothing meaningful follows either. `read`
 *   is not repeated (no self-loop): a second `read` is a duplicate.
 * - No timer: undelivered messages are dropped after about 30 days without a
 *   webhook, longer than a `setTimeout` can wait; a sweeper job is the right tool.
 *
 * @example
 * reconcile(whatsapp, [{ status: 'read' }, { status: 'sent' }]).status // 'read'
 */
export const whatsapp = defineChannel({
  name: 'whatsapp',
  statuses: {
    accepted: { description: 'The send API took the request; WhatsApp has not reported on it yet.' },
    sent: { description: 'WhatsApp has the message and is carrying it to the recipient.' },
    delivered: { description: 'It arrived on one of the recipient’s devices.' },
    read: { description: 'The recipient opened the conversation and saw it.', final: true },
    failed: { description: 'WhatsApp could not deliver it and will not try again.', final: true },
  },
  initial: 'accepted',
  transitions: {
    accepted: ['sent', 'failed'],
    sent: ['delivered', 'failed'],
    delivered: ['read'],
  },
});

/** `'accepted' | 'sent' | 'delivered' | 'read' | 'failed'` */
export type WhatsAppStatus = StatusOf<typeof whatsapp>;
