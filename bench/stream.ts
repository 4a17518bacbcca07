import { CHANNELS, lifecycleOf, Relation, type Channel } from '../dist/index';
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

const GARBAGE = ['delivered', '__proto__', 'constructor', 'DELIVERD', '', ' OPEN', 'OPEN', 'DEFERRED'];

/**
 * A realistic webhook mix, drawn from the compiled tables: 60 % legal, 15 %
 * duplicate, 10 % stale (late), 10 % skipped (early), 5 % garbage (unknown,
 * wrong case, prototype keys, or a status of the other channel).
 */
export function mixedStream(length: number, seed = 42): StreamItem[] {
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
    const r = random();
    if (r < 0.05) {
      const f = Math.floor(random() * lc.size);
      const to = pick(GARBAGE.filter((g) => !(lc.ids.get(g)! >= 0)));
      items.push({ channel, from: lc.statuses[f], to, fromId: f, toId: lc.size });
      continue;
    }
    const relation = r < 0.65 ? Relation.legal : r < 0.8 ? Relation.duplicate : r < 0.9 ? Relation.stale : Relation.skipped;
    const [f, t] = pick(pairs.get(channel)!.get(relation)!);
    items.push({ channel, from: lc.statuses[f], to: lc.statuses[t], fromId: f, toId: t });
  }
  return items;
}
