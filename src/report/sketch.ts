import { DDSketch } from '@datadog/sketches-js';
import { LifecycleError } from '../errors';
import { show } from '../messages';

/**
 * The relative accuracy of every duration sketch: a quantile read from a
 * sketch is within 1 % of a value that was really added. Sketches merge
 * only with sketches of the same accuracy, so it is one constant.
 */
export const RELATIVE_ACCURACY = 0.01;

/**
 * A DDSketch of durations in milliseconds as plain JSON: the positive
 * values' bins (`[key, count]`, ascending keys, zeros left out, keys of
 * DDSketch's logarithmic mapping at {@link RELATIVE_ACCURACY}) plus the
 * zeros and the exact count, sum, min and max. Memory is bounded by the
 * range of the values (about 230 bins per factor of 100), not their number.
 */
export interface SketchData {
  readonly relativeAccuracy: number;
  readonly count: number;
  /** Values of 0 ms (reports with the same time). */
  readonly zeroCount: number;
  readonly sum: number;
  /** Exact smallest value; `null` when empty. */
  readonly min: number | null;
  /** Exact largest value; `null` when empty. */
  readonly max: number | null;
  readonly bins: readonly (readonly [key: number, count: number])[];
}

/**
 * An empty sketch at {@link RELATIVE_ACCURACY}.
 *
 * @example const sketch = newSketch(); sketch.accept(1200)
 */
export function newSketch(): DDSketch {
  return new DDSketch({ relativeAccuracy: RELATIVE_ACCURACY });
}

/**
 * The bucket key DDSketch gives a positive value (the same mapping
 * {@link newSketch} uses): what the store's SQL must reproduce.
 *
 * @example sketchKey(1000) === sketchKey(1005) // true: within 1 %
 */
export function sketchKey(value: number): number {
  return KEYS.mapping.key(value);
}

const KEYS = newSketch();

/**
 * A sketch as {@link SketchData}. Pure.
 *
 * @example sketchToData(sketch).bins.length
 */
export function sketchToData(sketch: DDSketch): SketchData {
  const bins: [number, number][] = [];
  const store = sketch.store;
  for (let i = 0; i < store.bins.length; i++) {
    const count = store.bins[i];
    if (count > 0) bins.push([i + store.offset, count]);
  }
  return {
    relativeAccuracy: sketch.mapping.relativeAccuracy,
    count: sketch.count,
    zeroCount: sketch.zeroCount,
    sum: sketch.sum,
    min: sketch.count === 0 ? null : sketch.min,
    max: sketch.count === 0 ? null : sketch.max,
    bins,
  };
}

function invalid(message: string): LifecycleError {
  return new LifecycleError('invalid_argument', `not a duration sketch: ${message}`);
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/**
 * Reads {@link SketchData} back into a DDSketch, checking every field (a
 * report read from a file is untrusted). Throws
 * `LifecycleError('invalid_argument')` for anything that is not a sketch of
 * this accuracy whose counts add up.
 *
 * @example sketchFromData(JSON.parse(text).channels[0].timings[0].sketch).getValueAtQuantile(0.5)
 */
export function sketchFromData(data: unknown): DDSketch {
  if (typeof data !== 'object' || data === null) throw invalid(show(data));
  const d = data as Record<string, unknown>;
  if (d.relativeAccuracy !== RELATIVE_ACCURACY) throw invalid(`relativeAccuracy must be ${RELATIVE_ACCURACY}, got ${show(d.relativeAccuracy)}`);
  if (!isCount(d.count) || !isCount(d.zeroCount)) throw invalid('count and zeroCount must be non-negative integers');
  if (typeof d.sum !== 'number' || !Number.isFinite(d.sum)) throw invalid('sum must be a finite number');
  if (!Array.isArray(d.bins)) throw invalid('bins must be an array');
  const sketch = newSketch();
  let total = d.zeroCount;
  let previous = -Infinity;
  for (const bin of d.bins as unknown[]) {
    if (!Array.isArray(bin) || bin.length !== 2 || !Number.isSafeInteger(bin[0]) || !isCount(bin[1]) || bin[1] === 0) {
      throw invalid(`bad bin ${show(bin)}`);
    }
    const [key, count] = bin as [number, number];
    if (key <= previous) throw invalid('bin keys must ascend');
    // DDSketch keys of durations between 1 µs and a century stay far inside this range.
    if (Math.abs(key) > 10_000) throw invalid(`bin key out of range: ${key}`);
    previous = key;
    sketch.store.add(key, count);
    total += count;
  }
  if (total !== d.count) throw invalid(`bins and zeros add up to ${total}, not count ${String(d.count)}`);
  sketch.zeroCount = d.zeroCount;
  sketch.count = d.count;
  sketch.sum = d.sum;
  if (d.count > 0) {
    if (typeof d.min !== 'number' || typeof d.max !== 'number' || !(d.min <= d.max)) throw invalid('min and max must be numbers, min ≤ max');
    sketch.min = d.min;
    sketch.max = d.max;
  }
  return sketch;
}

/**
 * The sketch of both inputs' values together (DDSketch merging is exact:
 * the same bins as one sketch fed every value). Pure.
 *
 * @example mergeSketchData(fromFileA, fromFileB).count === fromFileA.count + fromFileB.count
 */
export function mergeSketchData(a: SketchData, b: SketchData): SketchData {
  const sketch = sketchFromData(a);
  sketch.merge(sketchFromData(b));
  return sketchToData(sketch);
}

/**
 * The value at quantile `q` (0…1) of a sketch, within 1 % of a value that
 * was added, clamped to the exact min and max; `null` for an empty sketch.
 *
 * @example quantileOf(data, 0.99)
 */
export function quantileOf(data: SketchData, q: number): number | null {
  if (data.count === 0 || data.min === null || data.max === null) return null;
  const rank = q * (data.count - 1);
  if (rank < data.zeroCount) return 0;
  let running = data.zeroCount;
  for (const [key, count] of data.bins) {
    running += count;
    if (running > rank) return Math.min(data.max, Math.max(data.min, KEYS.mapping.value(key)));
  }
  return data.max;
}

/** One bar of a duration histogram: values in `(from, to]` ms (`[0, 0]` for zeros). */
export interface HistogramBar {
  readonly from: number;
  readonly to: number;
  readonly count: number;
}

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const D = 24 * H;
/** Round duration edges a person reads at a glance: ms, s, min, h, days, then years by tens. */
const EDGES: readonly number[] = [
  ...[1, 2, 5, 10, 20, 50, 100, 200, 500],
  ...[1, 2, 5, 10, 20, 30].map((x) => x * S),
  ...[1, 2, 5, 10, 20, 30].map((x) => x * MIN),
  ...[1, 2, 3, 6, 12].map((x) => x * H),
  ...[1, 2, 3, 7, 14, 30, 90, 365].map((x) => x * D),
];

function edgeAt(i: number): number {
  return i < EDGES.length ? EDGES[i] : EDGES[EDGES.length - 1] * 10 ** (i - EDGES.length + 1);
}

/**
 * The sketch's values counted in bars with round duration edges (1, 2, 5,
 * 10 … ms, s and min, then hours and days) spanning min to max, zeros in
 * their own first bar, values under 1 ms in the first. A bin goes to the bar
 * that holds its representative value, so a count can sit one bar off for
 * a value within 1 % of an edge. Pure.
 *
 * @example histogramOf(data).map((bar) => bar.count)
 */
export function histogramOf(data: SketchData): HistogramBar[] {
  const bars: HistogramBar[] = [];
  if (data.count === 0 || data.max === null || data.min === null) return bars;
  if (data.zeroCount > 0) bars.push({ from: 0, to: 0, count: data.zeroCount });
  if (data.bins.length === 0) return bars;
  const low = Math.max(data.min, Number.MIN_VALUE);
  // The largest round edge below the smallest value (or 0), then every edge up to one at or above the max.
  let i = 0;
  while (edgeAt(i) < low) i++;
  const edges: number[] = [i === 0 ? 0 : edgeAt(i - 1)];
  for (; ; i++) {
    edges.push(edgeAt(i));
    if (edgeAt(i) >= data.max) break;
  }
  const counts = new Array<number>(edges.length - 1).fill(0);
  let bar = 0;
  for (const [key, count] of data.bins) {
    const value = Math.min(data.max, Math.max(data.min, KEYS.mapping.value(key)));
    while (bar < counts.length - 1 && value > edges[bar + 1]) bar++;
    counts[bar] += count;
  }
  for (let i = 0; i < counts.length; i++) bars.push({ from: edges[i], to: edges[i + 1], count: counts[i] });
  return bars;
}
