import { CHANNELS, createReplay, lifecycleOf, type Channel, type ReplayOptions } from '../dist/index';
import { rng } from './stream';

/**
 * An NDJSON event log of about `targetLines` lines: messages each walking a random legal path
 * of its channel (drawn from the compiled tables), its reports shuffled
 * within a small window, with about 10 % repeated (same provider event id)
 * — the shape of a real webhook log.
 */
export function eventLog(targetLines: number, seed = 7): { lines: string[]; messages: number } {
  const random = rng(seed);
  const lines: string[] = [];
  const pending: string[][] = [];
  let m = 0;
  for (; lines.length + pending.reduce((n, p) => n + p.length, 0) < targetLines; m++) {
    const channel: Channel = CHANNELS[m % CHANNELS.length];
    const lc = lifecycleOf(channel);
    const path: string[] = [];
    let at = lc.initial;
    // Walk until a final status or 16 reports; prefer staying alive (opens and
    // clicks repeat in real logs) so messages average about ten lines.
    for (let step = 0; step < 16 && lc.next[at].length > 0; step++) {
      const options = lc.next[at];
      const alive = options.filter((s) => lc.final[s] === 0);
      at = alive.length > 0 && random() < 0.9 ? alive[Math.floor(random() * alive.length)] : options[Math.floor(random() * options.length)];
      path.push(lc.statuses[at]);
    }
    const events = path.map((status, i) =>
      JSON.stringify({ message: `msg-${m}`, channel, status, id: `evt-${m}-${i}`, at: 1_700_000_000_000 + m * 1000 + i }),
    );
    for (const e of [...events]) if (random() < 0.1) events.push(e);
    for (let i = events.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [events[i], events[j]] = [events[j], events[i]];
    }
    pending.push(events);
    // Interleave a few messages at a time, as a log does.
    if (pending.length === 8) flush(pending, lines);
  }
  flush(pending, lines);
  return { lines, messages: m };
}

/** Interleaves the pending messages' events round-robin into `lines`. */
function flush(pending: string[][], lines: string[]): void {
  while (pending.some((p) => p.length > 0)) {
    for (const p of pending) {
      const e = p.shift();
      if (e !== undefined) lines.push(e);
    }
  }
  pending.length = 0;
}

export interface ReplayTimings {
  readonly lines: number;
  readonly messages: number;
  /** Best-of-runs milliseconds for the library's replay core. */
  readonly replayMs: number;
  /** Best-of-runs milliseconds for `JSON.parse` of the same lines alone. */
  readonly parseMs: number;
  /**
   * Best-of-runs milliseconds for parsing plus remembering each message's event
   * ids in a Map of arrays: the bookkeeping exact de-duplication needs, without
   * any state machine.
   */
  readonly idsMs: number;
}

/** Replay core vs parse-only over the same lines; best of `runs` each, alternated. */
export function benchReplay(lines: readonly string[], messages: number, runs: number, options?: ReplayOptions): ReplayTimings {
  let replayMs = Infinity;
  let parseMs = Infinity;
  let idsMs = Infinity;
  let sink = 0;
  for (let r = 0; r < runs; r++) {
    let t0 = performance.now();
    for (let i = 0; i < lines.length; i++) if ((JSON.parse(lines[i]) as { status?: unknown }).status !== undefined) sink++;
    parseMs = Math.min(parseMs, performance.now() - t0);
    t0 = performance.now();
    const replay = createReplay(options);
    for (let i = 0; i < lines.length; i++) replay.line(lines[i], i + 1);
    sink += replay.summary().events;
    replayMs = Math.min(replayMs, performance.now() - t0);
    t0 = performance.now();
    const seen = new Map<string, string[]>();
    for (let i = 0; i < lines.length; i++) {
      const e = JSON.parse(lines[i]) as { message: string; id?: string };
      let ids = seen.get(e.message);
      if (ids === undefined) seen.set(e.message, (ids = []));
      if (e.id !== undefined && !ids.includes(e.id)) ids.push(e.id);
    }
    sink += seen.size;
    idsMs = Math.min(idsMs, performance.now() - t0);
  }
  if (sink === -1) console.log(sink);
  return { lines: lines.length, messages, replayMs, parseMs, idsMs };
}
