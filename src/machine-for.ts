import type { AnyStateMachine } from 'xstate';
import { emailMachine } from '../machines/email';
import { smsMachine } from '../machines/sms';
import { requireLifecycle, type ChannelRef } from './catalog';
import { LifecycleError } from './errors';

/**
 * The xstate machine of a channel: `smsMachine` / `emailMachine` for the
 * built-in names, the machine a custom lifecycle was compiled from otherwise.
 * Throws `LifecycleError('unknown_channel')` for anything else, and
 * `invalid_argument` for a lifecycle built from tables without a machine.
 * Lives in `delivery-lifecycle/machines`, which loads xstate; the package
 * root does not.
 *
 * @example createActor(machineFor('sms'), { input: {} }).start()
 */
export function machineFor(channel: 'sms'): typeof smsMachine;
export function machineFor(channel: 'email'): typeof emailMachine;
export function machineFor(channel: ChannelRef): AnyStateMachine;
export function machineFor(channel: ChannelRef): AnyStateMachine {
  if (channel === 'sms') return smsMachine;
  if (channel === 'email') return emailMachine;
  const lifecycle = requireLifecycle(channel);
  if (lifecycle.machine === undefined) {
    throw new LifecycleError('invalid_argument', `${lifecycle.name}: this lifecycle was built from tables and has no machine`, { channel: lifecycle.name });
  }
  return lifecycle.machine;
}
