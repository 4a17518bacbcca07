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

/**
 * The parameters of a perfect hash found for a set of names. Generated tables
 * carry them, so that loading the built-in channels does not search again
 * (the search is most of what building a lifecycle from tables costs).
 */
export interface LookupHint {
  readonly mask: number;
  readonly a: number;
  readonly b: number;
}

/**
 * Builds the fastest exact lookup it can for `entries` (name → small integer).
 * A `hint` (from {@link lookupHint}) is tried first and only trusted when it
 * is one the search could have found and is perfect for these names;
 * otherwise the search runs as without one.
 */
export function buildLookup(entries: ReadonlyMap<string, number>, hint?: LookupHint): NameLookup {
  const names = [...entries.keys()];
  if (hint !== undefined && isHint(hint)) {
    const found = tryPerfect(names, entries, hint.mask, hint.a, hint.b);
    if (found !== undefined) return found;
  }
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

/** The perfect hash behind `lookup`, or `undefined` when it fell back to a `Map`. */
export function lookupHint(lookup: NameLookup): LookupHint | undefined {
  return lookup instanceof PerfectLookup ? lookup.hint() : undefined;
}

/** Whether `hint` is within what the search tries: a mask of 3 to 8 bits, multipliers from its list. */
function isHint(hint: LookupHint): boolean {
  const { mask, a, b } = hint;
  return Number.isInteger(mask) && mask >= 7 && mask <= 255 && (mask & (mask + 1)) === 0 && MULTIPLIERS.includes(a as never) && MULTIPLIERS.includes(b as never);
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

  hint(): LookupHint {
    return { mask: this.mask, a: this.a, b: this.b };
  }

  get(key: unknown): number | undefined {
    if (typeof key !== 'string' || key.length === 0) return undefined;
    const len = key.length;
    const h = (len * this.a + key.charCodeAt(0) * this.b + key.charCodeAt(len >> 1) + key.charCodeAt(len - 1) * 7) & this.mask;
    return this.keys[h] === key ? this.values[h] : undefined;
  }
}
