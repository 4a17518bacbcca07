/** Longest provider `detail` the replay's observers and the store keep, in code points; longer ones are cut. */
export const MAX_DETAIL_LENGTH = 200;

/**
 * `detail` cut to {@link MAX_DETAIL_LENGTH} code points (never inside a surrogate pair).
 *
 * @example cutDetail('x'.repeat(500)).length // 200
 */
export function cutDetail(detail: string): string {
  return detail.length <= MAX_DETAIL_LENGTH ? detail : Array.from(detail).slice(0, MAX_DETAIL_LENGTH).join('');
}
