import fc from 'fast-check';
import {
  CHANNELS,
  STATUSES,
  describeStatus,
  initialStatus,
  isApplicable,
  isFinal,
  lifecycleOf,
  nextStatuses,
  statusesFor,
} from '../src';
import { ADVERSARIAL } from './support/adversarial';
import { thrownCode } from './support/errors';
import { APPLICABLE, CATALOG } from './support/lifecycle-md';
import { CHANNEL_NAMES, MACHINES, oracleFor } from './support/oracle';

test('CHANNELS and STATUSES are the documented lists', () => {
  expect(CHANNELS).toEqual(['sms', 'email']);
  expect(STATUSES).toEqual(CATALOG);
});

describe.each(CHANNEL_NAMES)('%s', (channel) => {
  const oracle = oracleFor(MACHINES[channel]);
  const applicable: readonly string[] = APPLICABLE[channel];

  test('statusesFor lists the applicable statuses in machine order', () => {
    expect([...statusesFor(channel)].sort()).toEqual([...applicable].sort());
    expect(statusesFor(channel)).toEqual(oracle.statuses);
  });

  test('isApplicable for every catalog name, exact names only', () => {
    for (const status of CATALOG) expect({ status, applies: isApplicable(channel, status) }).toEqual({ status, applies: applicable.includes(status) });
    fc.assert(fc.property(fc.oneof(fc.anything(), fc.constantFrom(...ADVERSARIAL)), (value) => {
      expect(isApplicable(channel, value)).toBe(typeof value === 'string' && applicable.includes(value));
    }));
  });

  test('initialStatus, isFinal and nextStatuses agree with xstate', () => {
    expect(initialStatus(channel)).toBe(oracle.initial);
    for (const status of applicable) {
      expect({ status, final: isFinal(channel, status as never) }).toEqual({ status, final: oracle.final.has(status) });
      const next = CATALOG.filter((to) => oracle.can(status, to));
      expect({ status, next: [...nextStatuses(channel, status as never)].sort() }).toEqual({ status, next: [...next].sort() });
    }
  });

  test('every status has its own one-sentence description', () => {
    const descriptions = applicable.map((status) => describeStatus(channel, status as never));
    for (const text of descriptions) expect(text).toMatch(/^[A-Z].{10,}\.$/);
    expect(new Set(descriptions).size).toBe(descriptions.length);
  });

  test('status arguments that are not the channel’s throw typed errors', () => {
    for (const status of CATALOG.filter((s) => !applicable.includes(s))) {
      expect(thrownCode(() => isFinal(channel, status as never))).toBe('inapplicable_status');
      expect(thrownCode(() => nextStatuses(channel, status as never))).toBe('inapplicable_status');
      expect(thrownCode(() => describeStatus(channel, status as never))).toBe('inapplicable_status');
    }
    for (const bad of ADVERSARIAL) {
      expect(thrownCode(() => isFinal(channel, bad as never))).toBe('unknown_status');
      expect(thrownCode(() => nextStatuses(channel, bad as never))).toBe('unknown_status');
      expect(thrownCode(() => describeStatus(channel, bad as never))).toBe('unknown_status');
    }
  });

  test('returned lists cannot be changed by a caller', () => {
    expect(Object.isFrozen(statusesFor(channel))).toBe(true);
    const first = nextStatuses(channel, initialStatus(channel) as never);
    (first as string[]).length = 0;
    expect(nextStatuses(channel, initialStatus(channel) as never).length).toBeGreaterThan(0);
  });
});

test('an unknown channel throws unknown_channel; lifecycleOf answers undefined and never throws', () => {
  for (const channel of ['SMS', 'e-mail', '__proto__', 'constructor', null, undefined, 7, {}, []]) {
    expect(thrownCode(() => statusesFor(channel as never))).toBe('unknown_channel');
    expect(thrownCode(() => initialStatus(channel as never))).toBe('unknown_channel');
    expect(isApplicable(channel, 'DELIVERED')).toBe(false);
  }
  // Anything but the two exact names (and compiled lifecycles, below) has no lifecycle.
  fc.assert(fc.property(fc.oneof(fc.anything(), fc.constantFrom(...ADVERSARIAL, 'SMS', 'Email', 'sms ', 'e-mail')), (value) => {
    fc.pre(value !== 'sms' && value !== 'email');
    expect(lifecycleOf(value)).toBeUndefined();
  }));
  // The two names give their channel's tables, generated from its own machine (no machine attached), the same object every time.
  for (const channel of CHANNEL_NAMES) {
    const lifecycle = lifecycleOf(channel);
    expect(lifecycle).toMatchObject({ name: channel, machine: undefined, statuses: oracleFor(MACHINES[channel]).statuses });
    expect(lifecycleOf(channel)).toBe(lifecycle);
    expect(lifecycleOf(lifecycle)).toBe(lifecycle);
  }
  expect(lifecycleOf('sms')).not.toBe(lifecycleOf('email'));
});
