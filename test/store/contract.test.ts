/** Type-level: every engine's store is a DeliveryStore (checked by `npm run typecheck`, which includes test/). */
import type { DeliveryStore } from '../../src';
import type { PostgresStore } from '../../src/postgres';
import type { Equal, Expect } from '../support/types';

type Extends<A, B> = A extends B ? true : false;

test('the PostgreSQL store fulfils the store contract', () => {
  type _pg = Expect<Equal<Extends<PostgresStore, DeliveryStore>, true>>;
  // A store missing a promise is not one.
  type _missing = Expect<Equal<Extends<Omit<PostgresStore, 'expireDue'>, DeliveryStore>, false>>;
  const keys: (keyof DeliveryStore)[] = ['apply', 'applyMany', 'register', 'expireDue', 'get', 'history', 'stats'];
  expect(keys).toHaveLength(7);
});
