import { emailMachine, smsMachine } from '../../src';
import { oracleFor } from './oracle';

/** Both built-in channels with their independent oracle, for `describe.each`. */
export const BUILT_IN = [
  { channel: 'sms' as const, oracle: oracleFor(smsMachine) },
  { channel: 'email' as const, oracle: oracleFor(emailMachine) },
];

/** Runs per property; the machine is shared, so kept moderate. */
export const RUNS = 300;
