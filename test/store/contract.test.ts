/** Type-level: every engine's store is a DeliveryStore, and what takes a store takes any of them (checked by `npm run typecheck`). */
import type { DeliveryStore } from '../../src';
import type { PostgresStore, startExpirySweeper } from '../../src/postgres';
import type { RedisStore } from '../../src/redis';
import type { WebhookStore } from '../../src/webhooks';
import type { Equal, Expect } from '../support/types';

type Extends<A, B> = [A] extends [B] ? true : false;

test('both engines fulfil the store contract, and the handler and the sweeper take any store', () => {
  type _pg = Expect<Equal<Extends<PostgresStore, DeliveryStore>, true>>;
  type _redis = Expect<Equal<Extends<RedisStore, DeliveryStore>, true>>;
  type _handler = Expect<Equal<Extends<DeliveryStore, WebhookStore>, true>>;
  // Every store records side events: the handler's optional recordSideEvent is always there.
  type _sides = Expect<Equal<Extends<DeliveryStore, Required<WebhookStore>>, true>>;
  type _sweeper = Expect<Equal<Extends<DeliveryStore, Parameters<typeof startExpirySweeper>[0]>, true>>;
  // A store missing a promise is not one.
  type _missing = Expect<Equal<Extends<Omit<PostgresStore, 'expireDue'>, DeliveryStore>, false>>;
  type _noSides = Expect<Equal<Extends<Omit<PostgresStore, 'recordSideEvent'>, DeliveryStore>, false>>;
  const promises: (keyof DeliveryStore)[] = ['apply', 'applyMany', 'register', 'expireDue', 'get', 'history', 'stats', 'recordSideEvent', 'sideEvents'];
  expect(new Set(promises).size).toBe(9);
});
