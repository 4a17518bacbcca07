/**
 * Status names → ids without hashing the whole string: a tiny perfect hash
 * over (length, first, middle and last character), searched for once per
 * lifecycle, then confirmed with `===` against the stored name. A key that is
 * not a string, or not one of the names (`"__proto__"`, other letter case),
 * can never match. When no perfect hash is found (unlikely for a handful of
 * names) the lookup falls back to a `Map`.
 */
export interface NameLookup {
  /** The value for `key`, or `undefined` when `key` is not one of the names. */
  get(key: unknown): number | undefined;
}

const MULTIPLIERS = [1, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37] as const;

/** Builds the fastest exact lookup it can for `entries` (name → small integer). */
export function buildLookup(entries: ReadonlyMap<string, number>): NameLookup {
  const names = [...entries.keys()];
  for (let bits = Math.max(3, Math.ceil(Math.log2(names.length + 1))); bits <= 8; bits++) {
    const mask = (1 << bits) - 1;
    for (const a of MULTIPLIERS) {
      for (const b of MULTIPLIERS) {
        const found = tryPerfect(names, entries, mask, a, b);
        if (found !== undefined) return found;
      }
    }
  }
  return entries;
}

function hash(key: string, mask: number, a: number, b: number): number {
  const len = key.length;
  return (len * a + key.charCodeAt(0) * b + key.charCodeAt(len >> 1) + key.charCodeAt(len - 1) * 7) & mask;
}

function tryPerfect(
  names: readonly string[],
  entries: ReadonlyMap<string, number>,
  mask: number,
  a: number,
  b: number,
): NameLookup | undefined {
  const keys: (string | undefined)[] = new Array<string | undefined>(mask + 1).fill(undefined);
  const values = new Int32Array(mask + 1);
  for (const name of names) {
    if (name.length === 0) return undefined;
    const h = hash(name, mask, a, b);
    if (keys[h] !== undefined) return undefined;
    keys[h] = name;
    values[h] = entries.get(name) as number;
  }
  return new PerfectLookup(keys, values, mask, a, b);
}

class PerfectLookup implements NameLookup {
  constructor(
    private readonly keys: readonly (string | undefined)[],
    private readonly values: Int32Array,
    private readonly mask: number,
    private readonly a: number,
    private readonly b: number,
  ) {}

  get(key: unknown): number | undefined {
    if (typeof key !== 'string' || key.length === 0) return undefined;
    const len = key.length;
    const h = (len * this.a + key.charCodeAt(0) * this.b + key.charCodeAt(len >> 1) + key.charCodeAt(len - 1) * 7) & this.mask;
    return this.keys[h] === key ? this.values[h] : undefined;
  }
}
