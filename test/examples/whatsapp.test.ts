import { transition } from 'xstate';
import { applyStatus, assertTransition, canTransition, checkTransition, describeStatus, initialStatus, isApplicable, isFinal, isLifecycleError, nextStatuses, parseStatus, reconcile, statusesFor, type StatusOf } from '../../src';
import { machineFor } from '../../src/machines';
import { whatsapp, type WhatsAppStatus } from '../../examples/whatsapp';
import { expectType, type Equal } from '../support/types';

// Written from the example's comments, not read back from the compiled tables.
const ALL = ['accepted', 'sent', 'delivered', 'read', 'failed'] as const;
const LEGAL = new Set(['accepted>sent', 'accepted>failed', 'sent>delivered', 'sent>failed', 'delivered>read']);

describe('whatsapp: the catalog functions', () => {
  test('lists its statuses in definition order and starts at accepted', () => {
    expect(statusesFor(whatsapp)).toEqual(ALL);
    expect(initialStatus(whatsapp)).toBe('accepted');
    expect(ALL.filter((s) => isFinal(whatsapp, s))).toEqual(['read', 'failed']);
    expect(nextStatuses(whatsapp, 'sent')).toEqual(['delivered', 'failed']);
    expect(nextStatuses(whatsapp, 'read')).toEqual([]);
    expect(describeStatus(whatsapp, 'read')).toMatch(/saw it/);
    expect(machineFor(whatsapp).id).toBe('whatsapp');
  });

  test('all its statuses apply; anything else, catalog names included, is unknown', () => {
    for (const s of ALL) expect(isApplicable(whatsapp, s)).toBe(true);
    expect(isApplicable(whatsapp, 'DELIVERED')).toBe(false);
    const r = checkTransition(whatsapp, 'sent', 'DELIVERED');
    expect(r).toMatchObject({ ok: false, code: 'unknown_status', side: 'to', status: 'DELIVERED' });
    expect(checkTransition(whatsapp, '__proto__', 'sent')).toMatchObject({ ok: false, code: 'unknown_status', side: 'from' });
  });
});

describe('whatsapp: validation', () => {
  test('canTransition is true exactly for the five documented steps', () => {
    for (const from of ALL) {
      for (const to of ALL) expect([from, to, canTransition(whatsapp, from, to)]).toEqual([from, to, LEGAL.has(`${from}>${to}`)]);
    }
  });

  test('each refusal has the reason LIFECYCLE.md orders', () => {
    expect(checkTransition(whatsapp, 'sent', 'sent')).toMatchObject({ ok: false, code: 'duplicate' });
    expect(checkTransition(whatsapp, 'sent', 'read')).toMatchObject({ ok: false, code: 'skipped', implied: ['delivered'] });
    expect(checkTransition(whatsapp, 'delivered', 'sent')).toMatchObject({ ok: false, code: 'stale' });
    expect(checkTransition(whatsapp, 'failed', 'delivered')).toMatchObject({ ok: false, code: 'from_final' });
    expect(checkTransition(whatsapp, 'delivered', 'failed')).toMatchObject({ ok: false, code: 'illegal_transition' });
  });

  test('assertTransition throws a LifecycleError naming the channel', () => {
    expect(() => assertTransition(whatsapp, 'accepted', 'sent')).not.toThrow();
    let caught: unknown;
    try {
      assertTransition(whatsapp, 'read', 'failed');
    } catch (e) {
      caught = e;
    }
    expect(isLifecycleError(caught) && [caught.code, caught.channel, caught.from, caught.to]).toEqual([
      'from_final',
      'whatsapp',
      'read',
      'failed',
    ]);
  });

  test('the xstate machine agrees: a legal report moves it, any other leaves it', () => {
    const machine = machineFor(whatsapp);
    for (const from of ALL) {
      const snapshot = machine.resolveState({ value: from, context: { repeats: {} } });
      for (const to of ALL) {
        const [after] = transition(machine, snapshot, { type: to });
        expect([from, to, after.value]).toEqual([from, to, LEGAL.has(`${from}>${to}`) ? to : from]);
      }
    }
  });
});

describe('whatsapp: reconcile', () => {
  test('read before delivered implies delivered', () => {
    const r = reconcile(whatsapp, [{ status: 'sent' }, { status: 'read' }, { status: 'delivered' }]);
    expect(r.status).toBe('read');
    expect(r.history.map((h) => [h.status, h.implied])).toEqual([
      ['sent', false],
      ['delivered', true],
      ['read', false],
    ]);
    expect(r.ignored.map((i) => [i.index, i.code])).toEqual([[2, 'stale']]);
    expect(r.rejected).toEqual([]);
  });

  test('a late sent is ignored and does not move delivered back', () => {
    const r = reconcile(whatsapp, [{ status: 'delivered', id: 'e2' }, { status: 'sent', id: 'e1' }, { status: 'delivered', id: 'e2' }]);
    expect(r.status).toBe('delivered');
    expect(r.ignored.map((i) => i.code)).toEqual(['stale', 'duplicate']);
  });

  test('a failure after delivery is rejected, not applied; a delivery after failure too', () => {
    expect(reconcile(whatsapp, [{ status: 'delivered' }, { status: 'failed' }])).toMatchObject({
      status: 'delivered',
      rejected: [{ index: 1, code: 'illegal_transition' }],
    });
    expect(reconcile(whatsapp, [{ status: 'failed' }, { status: 'delivered' }])).toMatchObject({
      status: 'failed',
      rejected: [{ index: 1, code: 'from_final' }],
    });
  });

  test('applyStatus under the strict policy refuses the early read', () => {
    expect(applyStatus(whatsapp, 'sent', 'read', { policy: 'strict' })).toMatchObject({ outcome: 'rejected', status: 'sent', code: 'skipped' });
    expect(applyStatus(whatsapp, 'sent', 'read')).toMatchObject({ outcome: 'applied', status: 'read', implied: ['delivered'] });
  });

  test('every arrival order of accepted → sent → delivered → read ends at read', () => {
    const path = ['sent', 'delivered', 'read'];
    const orders = (xs: string[]): string[][] =>
      xs.length <= 1 ? [xs] : xs.flatMap((x, i) => orders([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
    for (const order of orders(path)) {
      expect([order, reconcile(whatsapp, order.map((status) => ({ status }))).status]).toEqual([order, 'read']);
    }
  });
});

describe('whatsapp: parseStatus', () => {
  test('reads any letter case with blanks into the exact name', () => {
    expect(parseStatus(whatsapp, ' READ\n')).toBe('read');
    expect(parseStatus(whatsapp, 'Delivered')).toBe('delivered');
  });

  test('refuses what the channel does not have', () => {
    for (const input of ['seen', 'SUBMITTED', '__proto__', 42, null]) {
      let code: unknown;
      try {
        parseStatus(whatsapp, input);
      } catch (e) {
        code = isLifecycleError(e) ? e.code : e;
      }
      expect([input, code]).toEqual([input, 'unknown_status']);
    }
  });
});

describe('whatsapp: types', () => {
  test('the channel is typed by its own statuses', () => {
    expectType<Equal<WhatsAppStatus, 'accepted' | 'sent' | 'delivered' | 'read' | 'failed'>>(true);
    expectType<Equal<StatusOf<typeof whatsapp>, WhatsAppStatus>>(true);
    const first: WhatsAppStatus = parseStatus(whatsapp, 'sent');
    expect(first).toBe('sent');
    // @ts-expect-error 'seen' is not a whatsapp status
    expect(() => isFinal(whatsapp, 'seen')).toThrow();
    // @ts-expect-error catalog names are not whatsapp statuses
    expect(() => nextStatuses(whatsapp, 'DELIVERED')).toThrow();
  });
});
