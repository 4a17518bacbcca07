import { isLifecycleError } from '../../src';

/** The code of the LifecycleError `fn` throws, or 'none'; any other thrown value fails the test. */
export function thrownCode(fn: () => unknown): string {
  try {
    fn();
    return 'none';
  } catch (error) {
    expect(isLifecycleError(error)).toBe(true);
    return (error as { code: string }).code;
  }
}
