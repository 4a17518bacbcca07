/** Type-level checks beside value checks: `Equal<A, B>` is `true` only when A and B are the same type. */
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Fails to compile unless `T` is `true`: `type _ = Expect<Equal<A, B>>`. */
export type Expect<T extends true> = T;

/** The value-position form of {@link Expect}: `expectType<Equal<A, B>>(true)`. */
export const expectType = <T extends true>(_: T): void => undefined;
