import type { TransitionCode } from './errors';

/** What a message about a rejection may mention. Values are shown as given. */
export interface RejectionContext {
  readonly channel: unknown;
  /** For `unknown_status` / `inapplicable_status`: which argument was at fault and its value. */
  readonly side?: 'from' | 'to';
  readonly status?: unknown;
  readonly from?: string;
  readonly to?: string;
}

/** Words for a transition rejection: the one place where codes become text. */
export function describeRejection(code: TransitionCode, context: RejectionContext): string {
  const channel = show(context.channel);
  const { from, to } = context;
  switch (code) {
    case 'unknown_channel':
      return `unknown channel ${channel}`;
    case 'unknown_status':
    case 'inapplicable_status':
      return statusMessage(code, channel, context.side, context.status);
    case 'duplicate':
      return `${channel}: ${to} repeats the current status`;
    case 'skipped':
      return `${channel}: ${to} arrived before the statuses between ${from} and it`;
    case 'stale':
      return `${channel}: ${to} is older than the current status ${from} (a late report)`;
    case 'from_final':
      return `${channel}: ${from} is final; ${to} cannot follow it`;
    case 'illegal_transition':
      return `${channel}: ${to} contradicts the current status ${from}`;
  }
}

/**
 * The words of {@link describeRejection} for a status argument at fault,
 * without a context object: what the hot path calls for an unknown string.
 * `channel` is already shown (a lifecycle's name is safe).
 */
export function statusMessage(code: 'unknown_status' | 'inapplicable_status', channel: string, side: 'from' | 'to' | undefined, status: unknown): string {
  return code === 'unknown_status'
    ? `${channel}: ${sideWord(side)} ${show(status)} is not a known status`
    : `${channel}: ${sideWord(side)} ${show(status)} does not apply to ${channel}`;
}

/** `from` is the status a message is in, `to` the one reported. */
function sideWord(side: 'from' | 'to' | undefined): string {
  return side === 'from' ? 'current status' : side === 'to' ? 'reported status' : 'status';
}

/** A short, safe rendering of any value for an error message. */
export function show(value: unknown): string {
  if (typeof value === 'string') return isPlainWord(value) ? value : JSON.stringify(value.slice(0, 64));
  if (typeof value === 'symbol' || typeof value === 'function' || typeof value === 'bigint') return `<${typeof value}>`;
  if (value === undefined) return 'undefined';
  try {
    return (JSON.stringify(value) ?? String(value)).slice(0, 64);
  } catch {
    return `<${typeof value}>`;
  }
}

/** `/^[A-Za-z0-9_-]{1,64}$/`, without the regular expression (bad input is a hot path). */
function isPlainWord(text: string): boolean {
  const length = text.length;
  if (length === 0 || length > 64) return false;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    // 0-9, A-Z, a-z, '-', '_'
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 95)) return false;
  }
  return true;
}
