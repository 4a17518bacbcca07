/**
 * An independent fold for the delivery report's figures: a plain loop over
 * parsed events, decisions from the xstate oracle (`classify`, `between`),
 * failure statuses as LIFECYCLE.md lists them, every duration kept in an
 * array and quantiles read from the sorted array. Nothing from src/report,
 * src/replay or src/compile.
 */
import { rng } from './random';
import { classify, MACHINES, oracleFor } from './oracle';
import { legalPath, shuffle } from './postgres';

/** LIFECYCLE.md: the failure outcomes of each channel. */
export const FAILURES: Readonly<Record<'sms' | 'email', readonly string[]>> = {
  sms: ['EXPIRED', 'UNDELIVERABLE', 'FAILED'],
  email: ['UNDELIVERABLE', 'REJECTED', 'DROPPED'],
};

export interface PlainChannel {
  started: number;
  reached: Map<string, number>;
  impliedOnly: Map<string, number>;
  /** `from>to` → [count, implied] */
  steps: Map<string, [number, number]>;
  /** `from>to` → every duration in ms */
  durations: Map<string, number[]>;
  negative: Map<string, number>;
  final: Map<string, number>;
  details: Map<string, number>;
  withoutDetail: number;
}

export interface PlainFigures {
  channels: Record<'sms' | 'email', PlainChannel>;
  malformed: number;
  rejected: number;
  duplicate: number;
  stale: number;
  /** Line numbers of malformed and rejected lines, ascending. */
  badLines: number[];
}

const inc = <K>(map: Map<K, number>, key: K, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

function emptyChannel(): PlainChannel {
  return {
    started: 0,
    reached: new Map(),
    impliedOnly: new Map(),
    steps: new Map(),
    durations: new Map(),
    negative: new Map(),
    final: new Map(),
    details: new Map(),
    withoutDetail: 0,
  };
}

interface Msg {
  channel: 'sms' | 'email';
  status: string;
  ids: Set<string>;
  /** status → time (null: reached, no time) */
  times: Map<string, number | null>;
}

/** The figures of `lines` (NDJSON, numbered from 1), tolerant policy. */
export function plainFold(lines: readonly string[]): PlainFigures {
  const out: PlainFigures = { channels: { sms: emptyChannel(), email: emptyChannel() }, malformed: 0, rejected: 0, duplicate: 0, stale: 0, badLines: [] };
  const messages = new Map<string, Msg>();
  lines.forEach((text, index) => {
    const line = index + 1;
    if (text.trim() === '') return;
    let e: Record<string, unknown>;
    try {
      e = JSON.parse(text) as Record<string, unknown>;
    } catch {
      out.malformed++;
      out.badLines.push(line);
      return;
    }
    const channel = e.channel;
    const okShape =
      typeof e === 'object' && e !== null && !Array.isArray(e) &&
      typeof e.message === 'string' && e.message !== '' &&
      (channel === 'sms' || channel === 'email') &&
      typeof e.status === 'string' &&
      (e.id === undefined || (typeof e.id === 'string' && e.id !== '')) &&
      (e.at === undefined || typeof e.at === 'number') &&
      (e.detail === undefined || typeof e.detail === 'string') &&
      (!messages.has(e.message) || messages.get(e.message)!.channel === channel);
    if (!okShape) {
      out.malformed++;
      out.badLines.push(line);
      return;
    }
    const ch = channel as 'sms' | 'email';
    const figures = out.channels[ch];
    const oracle = oracleFor(MACHINES[ch]);
    let m = messages.get(e.message as string);
    if (m === undefined) {
      m = { channel: ch, status: oracle.initial, ids: new Set(), times: new Map([[oracle.initial, null]]) };
      messages.set(e.message as string, m);
      figures.started++;
      inc(figures.reached, oracle.initial);
    }
    const status = e.status as string;
    const at = e.at as number | undefined;
    if (typeof e.id === 'string') {
      if (m.ids.has(e.id)) {
        out.duplicate++;
        return;
      }
      m.ids.add(e.id);
    }
    const time = (s: string, t: number) => {
      m!.times.set(s, t);
      for (const [other, u] of m!.times) {
        if (other === s || u === null) continue;
        let key: string;
        let d: number;
        if (oracle.reach(other, s)) [key, d] = [`${other}>${s}`, Math.round(t - u)];
        else if (oracle.reach(s, other)) [key, d] = [`${s}>${other}`, Math.round(u - t)];
        else continue;
        if (d < 0) inc(figures.negative, key);
        else figures.durations.set(key, [...(figures.durations.get(key) ?? []), d]);
      }
    };
    const { code } = classify(ch, m.status, status);
    if (code === 'ok' || code === 'skipped') {
      const path = code === 'ok' ? [status] : [...oracle.between(m.status, status)!, status];
      let from = m.status;
      path.forEach((s, i) => {
        const implied = i < path.length - 1;
        const step = figures.steps.get(`${from}>${s}`) ?? [0, 0];
        figures.steps.set(`${from}>${s}`, [step[0] + 1, step[1] + (implied ? 1 : 0)]);
        if (!m!.times.has(s)) {
          m!.times.set(s, null);
          inc(figures.reached, s);
          if (implied) inc(figures.impliedOnly, s);
        }
        from = s;
      });
      const entered = m.status !== status;
      if (entered && at !== undefined && m.times.get(status) === null) time(status, at);
      if (entered && FAILURES[ch].includes(status)) {
        if (typeof e.detail === 'string') inc(figures.details, e.detail.slice(0, 200));
        else figures.withoutDetail++;
      }
      m.status = status;
    } else if (code === 'duplicate' || code === 'stale') {
      if (code === 'duplicate') out.duplicate++;
      else out.stale++;
      if (status === oracle.initial && at !== undefined && m.times.get(status) === null) time(status, at);
    } else {
      out.rejected++;
      out.badLines.push(line);
    }
  });
  for (const m of messages.values()) inc(out.channels[m.channel].final, m.status);
  return out;
}

/** The exact value at quantile `q` as DDSketch ranks it: the sorted value at index ⌊q·(n−1)⌋. */
export function exactQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))];
}

/**
 * A log with everything a real one has: random legal paths per message,
 * reports shuffled (early and late ones), about a quarter repeated with the
 * same provider id, some repeated without an id, clocks a little off,
 * contradictory reports (illegal, unknown, other channel's statuses),
 * malformed lines, and provider details on failures.
 */
export function messyLog(seed: number, messages: number): string[] {
  const random = rng(seed);
  const lines: string[] = [];
  const pending: string[][] = [];
  const channels = ['sms', 'email'] as const;
  for (let i = 0; i < messages; i++) {
    const channel = channels[Math.floor(random() * 2)];
    const path = legalPath(channel, random, 7);
    const message = `${channel}-${i}`;
    let at = 1_764_000_000_000 + Math.floor(random() * 1e6);
    const events: Record<string, unknown>[] = [];
    if (random() < 0.5) events.push({ message, channel, status: path[0], id: `${message}/0`, at });
    path.slice(1).forEach((status, j) => {
      at += Math.floor(random() ** 3 * 3_600_000);
      const event: Record<string, unknown> = { message, channel, status };
      if (random() < 0.9) event.id = `${message}/${j + 1}`;
      if (random() < 0.9) event.at = random() < 0.03 ? at - 5000 : at;
      if (FAILURES[channel].includes(status) && random() < 0.8) event.detail = `reason ${Math.floor(random() ** 2 * 30)}`;
      events.push(event);
    });
    const copies = events.filter(() => random() < 0.25).map((e) => (random() < 0.7 ? e : { ...e, id: undefined }));
    const odd: Record<string, unknown>[] = [];
    if (random() < 0.1) odd.push({ message, channel, status: channel === 'sms' ? 'OPEN' : 'EXPIRED' });
    if (random() < 0.05) odd.push({ message, channel, status: 'LOST' });
    if (random() < 0.1) odd.push({ message, channel, status: channel === 'sms' ? 'DELIVERED' : 'REJECTED' });
    const texts = shuffle([...events, ...copies, ...odd], random).map((e) => JSON.stringify(e));
    if (random() < 0.05) texts.push('{"message": broken');
    if (random() < 0.03) texts.push(JSON.stringify({ message, channel: 'fax', status: 'SENT' }));
    if (random() < 0.02) texts.push(JSON.stringify({ message, channel, status: 'DELIVERED', detail: 42 }));
    if (random() < 0.05) texts.push('');
    pending.push(texts);
    if (pending.length === 5 || i === messages - 1) {
      while (pending.some((p) => p.length > 0)) for (const p of pending) if (p.length > 0) lines.push(p.shift()!);
      pending.length = 0;
    }
  }
  return lines;
}
