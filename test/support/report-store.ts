/** Applying an NDJSON log to the PostgreSQL store as a service would (for the store.stats tests). */
import type { PostgresStore } from '../../src/postgres';
import { createReplay } from '../../src/replay';

export interface Line {
  message: string;
  channel: string;
  status: string;
  id?: string;
  at?: number;
  detail?: string;
}

/** The well-formed lines of a log (what the replay does not call malformed), parsed. */
export function wellFormed(lines: readonly string[]): Line[] {
  const bad = new Set<number>();
  const replay = createReplay({ maxListed: Number.MAX_SAFE_INTEGER });
  lines.forEach((text, i) => replay.line(text, i + 1));
  for (const m of replay.summary().malformed.lines) bad.add(m.line);
  return lines.flatMap((text, i) => (bad.has(i + 1) || text.trim() === '' ? [] : [JSON.parse(text) as Line]));
}

const INITIAL: Record<string, string> = { sms: 'REGISTERED', email: 'SUBMITTED' };

/**
 * Applies a log to the store as a service would: each message registered
 * when it was sent (with the time of its initial-status report, when the log
 * has one), then every report in arrival order, in batches and one by one.
 */
export async function applyLog(store: PostgresStore, prefix: string, events: readonly Line[]): Promise<void> {
  const sent = new Map<string, { channel: string; at?: number }>();
  for (const e of events) {
    const first = sent.get(e.message);
    if (first === undefined) sent.set(e.message, { channel: e.channel });
    const entry = sent.get(e.message)!;
    if (e.status === INITIAL[e.channel] && entry.at === undefined && e.at !== undefined) entry.at = e.at;
  }
  for (const [message, { channel, at }] of sent) await store.register(`${prefix}${message}`, channel as 'sms', at === undefined ? {} : { at });
  const items = events.map((e) => ({
    messageId: `${prefix}${e.message}`,
    channel: e.channel as 'sms',
    event: { status: e.status, ...(e.id === undefined ? {} : { id: e.id }), ...(e.at === undefined ? {} : { at: e.at }), ...(e.detail === undefined ? {} : { detail: e.detail }) },
  }));
  // The first half in batches (the batch statement), the rest one by one (the function).
  const half = Math.floor(items.length / 2);
  for (let i = 0; i < half; i += 100) await store.applyMany(items.slice(i, Math.min(i + 100, half)));
  for (const item of items.slice(half)) await store.apply(item.messageId, item.channel, item.event);
}

