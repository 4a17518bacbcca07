import { lifecycleOf, type ChannelRef, type CompiledLifecycle, type StatusReport } from '../../src';
import type { BatchResult, PostgresStore } from '../../src/postgres';
import type { ApplyResult } from '../../src';
import type { AnyStateMachine } from 'xstate';
import { MACHINES, oracleFor } from './oracle';

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
 * Checks the stored invariants of one message against the independent xstate
 * oracle (test/support/oracle.ts), never the compiled tables the store's SQL
 * is built from: the history is a path xstate can take from the machine's
 * initial state (a report row is a move xstate accepts; a run of implied rows
 * is exactly the oracle's shortest path to the report closing it; a timer row
 * is the move xstate's `after` timer makes, carrying its deadline as `at`;
 * nothing follows a final status), contiguous and chained, it ends at the
 * stored status, the version is its length, counts are its per-status tallies
 * and no provider event id appears twice. Custom channels are judged by their
 * own machine (`CompiledLifecycle.machine`). Returns the problems found
 * (empty when sound).
 */
export async function checkMessage(store: PostgresStore, messageId: string, custom: readonly CompiledLifecycle[] = []): Promise<string[]> {
  const problems: string[] = [];
  const row = await store.get(messageId);
  const history = await store.history(messageId);
  if (row === undefined) return history.length === 0 ? [] : [`${messageId}: history without a status row`];
  const own = custom.find((c) => c.name === row.channel);
  const machine = own?.machine ?? (MACHINES as Record<string, AnyStateMachine>)[row.channel];
  if (machine === undefined) return [`${messageId}: channel ${row.channel} has no machine to judge it by`];
  const oracle = oracleFor(machine);
  if (!oracle.statuses.includes(row.status)) problems.push(`${messageId}: status ${row.status} is not a ${row.channel} status`);
  let at = oracle.initial;
  let run: { origin: string; statuses: string[] } | undefined;
  const seen = new Set<string>();
  const tally: Record<string, number> = Object.fromEntries(oracle.statuses.map((s) => [s, 0]));
  history.forEach((h, i) => {
    const where = `${messageId}: row ${h.seq} (${h.from} → ${h.status})`;
    if (h.seq !== i + 1) problems.push(`${messageId}: seq ${h.seq} at position ${i + 1}`);
    if (h.from !== at) problems.push(`${where} starts at ${h.from}, expected ${at}`);
    if (oracle.final.has(h.from)) problems.push(`${where} follows the final status ${h.from}`);
    if (h.timer === true) {
      if (oracle.timers.get(h.from) !== h.status) problems.push(`${where} is not the move the machine's timer makes`);
      if (h.implied || h.id !== undefined || h.at === undefined) problems.push(`${where}: a timer row has its deadline as at, no id, and is not implied`);
      if (run !== undefined) problems.push(`${where}: implied rows must be closed by the report that implied them`);
    } else if (h.implied) {
      if (h.id !== undefined || h.at !== undefined) problems.push(`${where}: implied row carries a report's id or time`);
      run ??= { origin: h.from, statuses: [] };
      run.statuses.push(h.status);
    } else if (run !== undefined) {
      // An early report: the implied rows before it are the shortest path xstate knows to it.
      const between = oracle.between(run.origin, h.status);
      if (between === undefined || between.join() !== run.statuses.join()) {
        problems.push(`${where}: implied ${run.statuses.join(', ')} but xstate's shortest path from ${run.origin} passes ${between?.join(', ')}`);
      }
      run = undefined;
    } else if (!oracle.can(h.from, h.status)) {
      // Not a move xstate accepts: only an early report whose shortest path implies nothing (a status a timer reaches).
      const between = oracle.between(h.from, h.status);
      if (between === undefined || between.length > 0) problems.push(`${where} is not a move xstate accepts`);
    }
    if (h.id !== undefined) {
      if (seen.has(h.id)) problems.push(`${messageId}: event ${h.id} recorded twice`);
      seen.add(h.id);
    }
    tally[h.status] = (tally[h.status] ?? 0) + 1;
    at = h.status;
  });
  if (run !== undefined) problems.push(`${messageId}: the history ends with implied rows`);
  if (at !== row.status) problems.push(`${messageId}: history ends at ${at}, row says ${row.status}`);
  if (row.version !== history.length) problems.push(`${messageId}: version ${row.version} for ${history.length} rows`);
  const counts = Object.fromEntries(oracle.statuses.map((s) => [s, row.counts[s]]));
  if (JSON.stringify(counts) !== JSON.stringify(tally)) problems.push(`${messageId}: counts ${JSON.stringify(row.counts)} vs history ${JSON.stringify(tally)}`);
  if (Object.keys(row.counts).length !== oracle.statuses.length) problems.push(`${messageId}: counts name ${Object.keys(row.counts).join(', ')}`);
  return problems;
}

/** `applyMany`'s results where no item can be a channel mismatch: fails loudly if one is. */
export function noMismatch(results: readonly BatchResult[]): ApplyResult[] {
  for (const r of results) if (r.code === 'channel_mismatch') throw new Error(`unexpected channel mismatch: ${r.message}`);
  return results as ApplyResult[];
}
