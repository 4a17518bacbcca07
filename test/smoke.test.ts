import { canTransition } from '../src';

test('SUBMITTED → DELIVERED is legal for SMS', () => {
  expect(canTransition('sms', 'SUBMITTED', 'DELIVERED')).toBe(true);
});
