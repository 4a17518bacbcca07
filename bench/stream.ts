import { CHANNELS, INAPPLICABLE, lifecycleOf, Relation, type Channel } from '../dist/index';
import { rng } from '../test/support/random';

/** One check in the benchmark stream: a message on `channel` at `from` receives `to`. */
export interface StreamItem {
  readonly channel: Channel;
  readonly from: string;
  readonly to: string;
  /** Ids for the floor baseline: `to` is `size` (an all-zero row/column) when it is garbage. */
  readonly fromId: number;
  readonly toId: number;
}

export { rng };


/** Strings no channel knows: wrong case, misspelt, prototype keys, blanks, provider words. */
const UNKNOWN = ['delivered', '__proto__', 'constructor', 'DELIVERD', '', ' OPEN', 'toString', 'bounce', 'sent', 'Delivered'];

/**
 * A realistic webhook mix, drawn from the compiled tables: of the valid
 * reports 60 % legal, 15 % duplicate, 12.5 % stale (late), 12.5 % skipped
 * (early); `garbage` (default 5 %) of all reports are bad input, half unknown
 * strings (wrong case, prototype keys, provider words) and half statuses of
 * the other channel (inapplicable). `garbage: 0` is the valid-only stream,
 * `garbage: 0.5` the flood a public webhook endpoint sees.
 */
export function mixedStream(length: number, seed = 42, garbage = 0.05): StreamItem[] {
  const random = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const pairs = new Map<string, Map<number, [number, number][]>>();
  for (const channel of CHANNELS) {
    const lc = lifecycleOf(channel);
    const byRelation = new Map<number, [number, number][]>();
    for (let f = 0; f < lc.size; f++) {
      for (let t = 0; t < lc.size; t++) {
        const rel = lc.relation[f * lc.size + t];
        if (!byRelation.has(rel)) byRelation.set(rel, []);
        byRelation.get(rel)!.push([f, t]);
      }
    }
    pairs.set(channel, byRelation);
  }
  const items: StreamItem[] = [];
  while (items.length < length) {
    const channel = pick(CHANNELS);
    const lc = lifecycleOf(channel);
    if (random() < garbage) {
      const f = Math.floor(random() * lc.size);
      const words = random() < 0.5 ? UNKNOWN : lc.vocabulary.filter((word) => lc.ids.get(word) === INAPPLICABLE);
      items.push({ channel, from: lc.statuses[f], to: pick(words), fromId: f, toId: lc.size });
      continue;
    }
    const r = random();
    const relation = r < 0.6 ? Relation.legal : r < 0.75 ? Relation.duplicate : r < 0.875 ? Relation.stale : Relation.skipped;
    const [f, t] = pick(pairs.get(channel)!.get(relation)!);
    items.push({ channel, from: lc.statuses[f], to: lc.statuses[t], fromId: f, toId: t });
  }
  return items;
}
