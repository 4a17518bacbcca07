import { assign, setup } from 'xstate';
import type { StatusEvent } from './shared';

export type EmailStatus =
  | 'SUBMITTED'
  | 'DELIVERED'
  | 'OPEN'
  | 'CLICKED'
  | 'DEFERRED'
  | 'UNDELIVERABLE'
  | 'REJECTED'
  | 'DROPPED';

export interface EmailContext {
  /** Deferrals reported so far: each is another delivery attempt refused for now. */
  readonly attempts: number;
  /** Opens reported so far. */
  readonly opens: number;
  /** Clicks reported so far. */
  readonly clicks: number;
}

/**
 * The e-mail delivery lifecycle. SUBMITTED → (DEFERRED…) → DELIVERED → OPEN →
 * CLICKED, with UNDELIVERABLE (also as a bounce after delivery), REJECTED and
 * DROPPED as failures. DEFERRED, OPEN and CLICKED repeat and are counted.
 */
export const emailMachine = setup({
  types: {
    context: {} as EmailContext,
    events: {} as StatusEvent<EmailStatus>,
  },
  actions: {
    countAttempt: assign({ attempts: ({ context }) => context.attempts + 1 }),
    countOpen: assign({ opens: ({ context }) => context.opens + 1 }),
    countClick: assign({ clicks: ({ context }) => context.clicks + 1 }),
  },
}).createMachine({
  id: 'email',
  initial: 'SUBMITTED',
  context: { attempts: 0, opens: 0, clicks: 0 },
  states: {
    SUBMITTED: {
      description: 'Handed to the e-mail service provider; no final report yet.',
      on: {
        DELIVERED: { target: 'DELIVERED' },
        DEFERRED: { target: 'DEFERRED', actions: 'countAttempt' },
        UNDELIVERABLE: { target: 'UNDELIVERABLE' },
        REJECTED: { target: 'REJECTED' },
        DROPPED: { target: 'DROPPED' },
      },
    },
    DEFERRED: {
      description: 'The receiving server refused it for now; another attempt will follow.',
      on: {
        DEFERRED: { actions: 'countAttempt' },
        DELIVERED: { target: 'DELIVERED' },
        UNDELIVERABLE: { target: 'UNDELIVERABLE' },
        REJECTED: { target: 'REJECTED' },
      },
    },
    DELIVERED: {
      description: 'The receiving mail server accepted it; the inbox is not guaranteed.',
      on: {
        OPEN: { target: 'OPEN', actions: 'countOpen' },
        CLICKED: { target: 'CLICKED', actions: 'countClick' },
        // An asynchronous bounce: accepted first, bounced later (Amazon SES documents this).
        UNDELIVERABLE: { target: 'UNDELIVERABLE' },
      },
    },
    OPEN: {
      description: 'The recipient opened it.',
      on: {
        OPEN: { actions: 'countOpen' },
        CLICKED: { target: 'CLICKED', actions: 'countClick' },
      },
    },
    CLICKED: {
      description: 'The recipient followed at least one link.',
      on: {
        CLICKED: { actions: 'countClick' },
      },
    },
    UNDELIVERABLE: { type: 'final', tags: ['failure'], description: 'It can never be delivered, e.g. the address does not exist.' },
    REJECTED: { type: 'final', tags: ['failure'], description: 'The receiving server refused it for a passing reason; no retry follows.' },
    DROPPED: { type: 'final', tags: ['failure'], description: 'The provider declined to send it, expecting failure (e.g. an earlier bounce).' },
  },
});
