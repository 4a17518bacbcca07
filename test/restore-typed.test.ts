import { createTracker, restoreTracker, type LifecycleError, type SmsStatus, type Tracker } from '../src';
import { defineChannel } from '../src/machines';
import { expectType, type Equal } from './support/types';

const push = defineChannel({
  name: 'push',
  statuses: { queued: { description: 'Waiting.' }, shown: { description: 'Shown.', final: true } },
  initial: 'queued',
  transitions: { queued: ['shown'] },
});

describe('restoreTracker typed by channel', () => {
  test('with channel, the tracker has the channel status type (a built-in and a custom one)', () => {
    const sms = createTracker('sms');
    sms.apply({ status: 'SUBMITTED' });
    const restored = restoreTracker(JSON.stringify(sms), { channel: 'sms' });
    expectType<Equal<typeof restored, Tracker<SmsStatus>>>(true);
    expect(restored.status).toBe('SUBMITTED');

    const p = createTracker(push);
    p.apply({ status: 'shown' });
    const back = restoreTracker(JSON.stringify(p), { channel: push });
    expectType<Equal<typeof back.status, 'queued' | 'shown'>>(true);
    expect(back.status).toBe('shown');

    const untyped = restoreTracker(JSON.stringify(sms));
    expectType<Equal<typeof untyped, Tracker>>(true);
    expect(untyped.lifecycle.name).toBe('sms');
  });

  test('a snapshot of another channel is refused with invalid_snapshot', () => {
    const email = createTracker('email');
    expect(() => restoreTracker(JSON.stringify(email), { channel: 'sms' })).toThrow(
      expect.objectContaining({ code: 'invalid_snapshot', message: expect.stringMatching(/of channel email, not sms/) as unknown }) as LifecycleError,
    );
  });

  test('a bad channel option is invalid_argument', () => {
    expect(() => restoreTracker('{}', { channel: 'fax' as never })).toThrow(expect.objectContaining({ code: 'invalid_argument' }) as LifecycleError);
  });
});
