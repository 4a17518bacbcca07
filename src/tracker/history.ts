import type { CompiledLifecycle } from '../lifecycle';
import type { State, TrackerEntry } from './types';

// A tracker's history, counts and remembered event ids: what a step records.

/** @internal Appends `entry` to the history, counts it, and makes its status current. */
export function record<S extends string>(s: State<S>, entry: TrackerEntry<S>): void {
  s.history.push(entry);
  s.counts[s.lifecycle.ids.get(entry.status) as number]++;
  s.status = entry.status;
}

/** First seen, first forgotten: a Set keeps insertion order. */
export function remember(s: State<string>, id: string): void {
  s.seen.add(id);
  if (s.seen.size > s.maxSeenIds) s.seen.delete(s.seen.values().next().value as string);
}

/** @internal The counts by status name, every status of the channel listed. */
export function countsRecord<S extends string>(lifecycle: CompiledLifecycle<S>, counts: readonly number[]): Record<S, number> {
  const record = {} as Record<S, number>;
  lifecycle.statuses.forEach((status, id) => {
    record[status] = counts[id];
  });
  return record;
}
