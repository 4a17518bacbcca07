import { lifecycleOf, type ChannelRef, type CompiledLifecycle, type StatusReport } from '../../src';
import type { PostgresStore } from '../../src/postgres';

export { rng } from './random';

export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/**
 * A random legal path from the initial status, walking the machine's legal
 * transitions (`next`, self-loops included) until a final status or a random
 * stop; at most `maxSteps` transitions.
 */
export function legalPath(channel: ChannelRef, random: () => number, maxSteps = 6): string[] {
  const l = lifecycleOf(channel) as CompiledLifecycle;
  const path = [l.statuses[l.initial]];
  let at = l.initial;
  for (let step = 0; step < maxSteps && l.next[at].length > 0; step++) {
    if (step > 0 && random() < 0.15) break;
    at = l.next[at][Math.floor(random() * l.next[at].length)];
    path.push(l.statuses[at]);
  }
  return path;
}

/**
 * The reports a provider sends for a path (one per transition, each with its
 * own id), shuffled, with about a third repeated (same id).
 */
export function deliveredStream(messageId: string, path: readonly string[], random: () => number): StatusReport[] {
  const events: StatusReport[] = path.slice(1).map((status, i) => ({ status, id: `${messageId}/${i}`, at: 1_700_000_000_000 + i * 1000 }));
  const repeats = events.filter(() => random() < 0.35);
  return shuffle([...events, ...repeats], random);
}

/** A shortest legal path from the initial status to `target`, by breadth-first search over `next`. */
export function pathTo(l: CompiledLifecycle, target: number): string[] {
  const parent = new Map<number, number>([[l.initial, -1]]);
  const queue = [l.initial];
  for (let i = 0; i < queue.length; i++) {
    for (const t of l.next[queue[i]]) {
      if (parent.has(t)) continue;
      parent.set(t, queue[i]);
      queue.push(t);
    }
  }
  const path: string[] = [];
  for (let at = target; at !== -1; at = parent.get(at) as number) path.unshift(l.statuses[at]);
  return path;
}

/**
 * Checks the stored invariants of one message against the machine's legal
 * transitions: the history is a legal path from the initial status (each row
 * a legal edge, contiguous, chained), it ends at the stored status, the
 * version is its length, counts are its per-status tallies and no provider
 * event id appears twice. Returns the problems found (empty when sound).
 */
export async function checkMessage(store: PostgresStore, messageId: string, custom: readonly CompiledLifecycle[] = []): Promise<string[]> {
  const problems: string[] = [];
  const row = await store.get(messageId);
  const history = await store.history(messageId);
  if (row === undefined) return history.length === 0 ? [] : [`${messageId}: history without a status row`];
  const l = custom.find((c) => c.name === row.channel) ?? (lifecycleOf(row.channel as ChannelRef) as CompiledLifecycle);
  const id = (s: string) => l.ids.get(s);
  if (id(row.status) === undefined || (id(row.status) as number) < 0) problems.push(`${messageId}: status ${row.status} is not a ${l.name} status`);
  let at = l.statuses[l.initial];
  const seen = new Set<string>();
  const tally: Record<string, number> = Object.fromEntries(l.statuses.map((s) => [s, 0]));
  history.forEach((h, i) => {
    if (h.seq !== i + 1) problems.push(`${messageId}: seq ${h.seq} at position ${i + 1}`);
    if (h.from !== at) problems.push(`${messageId}: row ${h.seq} starts at ${h.from}, expected ${at}`);
    const f = id(h.from);
    const t = id(h.status);
    if (f === undefined || t === undefined || f < 0 || t < 0 || l.edges[f * l.size + t] !== 1) problems.push(`${messageId}: ${h.from} → ${h.status} is not a legal transition`);
    if (h.implied && (h.id !== undefined || h.at !== undefined)) problems.push(`${messageId}: implied row ${h.seq} carries a report's id or time`);
    if (h.id !== undefined) {
      if (seen.has(h.id)) problems.push(`${messageId}: event ${h.id} recorded twice`);
      seen.add(h.id);
    }
    tally[h.status] = (tally[h.status] ?? 0) + 1;
    at = h.status;
  });
  if (at !== row.status) problems.push(`${messageId}: history ends at ${at}, row says ${row.status}`);
  if (row.version !== history.length) problems.push(`${messageId}: version ${row.version} for ${history.length} rows`);
  if (JSON.stringify(row.counts) !== JSON.stringify(tally)) problems.push(`${messageId}: counts ${JSON.stringify(row.counts)} vs history ${JSON.stringify(tally)}`);
  return problems;
}
