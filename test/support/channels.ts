import { assign, setup } from 'xstate';
import { STATUSES, actorNow, eventTime, timeUntil, type ChannelRef, type StatusEvent, type TrackerOptions } from '../../src';
import { compileLifecycle, emailMachine, smsMachine } from '../../src/machines';
import { oracleFor, type Oracle } from './oracle';

const DAY = 86_400_000;

/**
 * A WhatsApp-like custom channel, to show the engine is not about SMS and
 * e-mail: lower-case names, a repeatable status, and a status ("expired")
 * that only a timer reaches. Written by hand the way a user would, with its
 * timer at an absolute deadline in context (`actorNow`, `timeUntil`).
 */
export const chatMachine = setup({
  types: { context: {} as { reads: number; deadline: number | null }, events: {} as StatusEvent<string> },
  delays: { ttl: ({ context, system }) => (context.deadline === null ? DAY : timeUntil(context.deadline, system)) },
}).createMachine({
  id: 'chat',
  initial: 'accepted',
  context: { reads: 0, deadline: null },
  states: {
    accepted: { on: { sent: { target: 'sent' }, failed: { target: 'failed' } } },
    sent: {
      entry: assign({ deadline: ({ event, system }) => (eventTime(event.at) ?? actorNow(system)) + DAY }),
      after: { ttl: { target: 'expired' } },
      on: { delivered: { target: 'delivered' }, failed: { target: 'failed' } },
    },
    delivered: { on: { read: { target: 'read' } } },
    // The repeat needs an action: xstate does not count an empty transition as one it can take.
    read: { on: { read: { actions: assign({ reads: ({ context }) => context.reads + 1 }) } } },
    expired: { type: 'final' },
    failed: { type: 'final' },
  },
});
export const chat = compileLifecycle(chatMachine, { name: 'chat' });

export interface ChannelUnderTest {
  readonly name: string;
  readonly channel: ChannelRef;
  /** The lifecycle as xstate runs it, independent of the compiled tables. */
  readonly oracle: Oracle;
  /** Every name the channel recognises, to draw reports from. */
  readonly words: readonly string[];
  /** Tracker options that set every timer of the channel to `ms`. */
  readonly timers: (ms: number) => TrackerOptions;
}

/** Both built-in channels and one custom channel, for `describe.each`. */
export const UNDER_TEST: readonly ChannelUnderTest[] = [
  { name: 'sms', channel: 'sms', oracle: oracleFor(smsMachine), words: STATUSES, timers: (ms) => ({ validityMs: ms }) },
  { name: 'email', channel: 'email', oracle: oracleFor(emailMachine), words: STATUSES, timers: () => ({}) },
  { name: 'chat (custom)', channel: chat, oracle: oracleFor(chatMachine), words: chat.vocabulary, timers: (ms) => ({ delays: { ttl: ms } }) },
];

/** Runs per property; the machine is shared, so kept moderate. */
export const RUNS = 300;
