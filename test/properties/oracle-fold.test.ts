import * as fc from 'fast-check';
import { reconcile, type HistoryEntry, type Policy } from '../../src';
import { createReplay } from '../../src/replay';
import { ADVERSARIAL } from '../support/adversarial';
import { CATALOG } from '../support/lifecycle-md';
import { CHANNEL_NAMES, MACHINES, classify, oracleFor } from '../support/oracle';

// reconcile and replay, checked step by step against the independent xstate
// oracle (test/support/oracle.ts: LIFECYCLE.md's ordering table over xstate's
// own can()/transition(), never src/compile.ts's tables), on input that is
// mostly not a clean path: garbage reports, unknown and inapplicable names,
// contradictory (illegal) reports, reports after a final status, repeated ids.

const POLICIES: Policy[] = ['tolerant', 'strict'];
const IDS = ['a', 'b', 'c', 'd'];
const T0 = Date.UTC(2026, 0, 1);

type Code = ReturnType<typeof classify>['code'];
type Outcome =
  | { readonly kind: 'invalid' }
  | { readonly kind: 'applied'; readonly entries: readonly HistoryEntry[]; readonly skipped: boolean }
  | { readonly kind: 'ignored'; readonly code: 'duplicate' | 'stale' }
  | { readonly kind: 'rejected'; readonly code: Exclude<Code, 'ok' | 'unknown_channel'> };

/** The oracle's model of one message: LIFECYCLE.md's rules, written out here. */
class Model {
  status: string;
  readonly seen = new Set<string>();
  constructor(readonly channel: 'sms' | 'email', readonly policy: Policy) {
    this.status = oracleFor(MACHINES[channel]).initial;
  }

  /** The report's fields, or undefined when malformed (what the library calls invalid_event). */
  static read(report: unknown): { status: unknown; id?: string; at?: number } | undefined {
    if (typeof report !== 'object' || report === null || Array.isArray(report)) return undefined;
    const { status, id, at } = report as Record<string, unknown>;
    if (id !== undefined && (typeof id !== 'string' || id === '')) return undefined;
    let ms: number | undefined;
    if (at instanceof Date) ms = at.getTime();
    else if (typeof at === 'number') ms = at;
    else if (typeof at === 'string') ms = ISO_TIMES.get(at);
    else if (at !== undefined) return undefined;
    if (at !== undefined && (ms === undefined || !Number.isFinite(ms))) return undefined;
    return { status, ...(id === undefined ? {} : { id }), ...(ms === undefined ? {} : { at: ms }) };
  }

  step(report: unknown, index: number): Outcome {
    const r = Model.read(report);
    if (r === undefined) return { kind: 'invalid' };
    if (r.id !== undefined) {
      if (this.seen.has(r.id)) return { kind: 'ignored', code: 'duplicate' };
      this.seen.add(r.id);
    }
    const oracle = oracleFor(MACHINES[this.channel]);
    const { code } = classify(this.channel, this.status, r.status);
    const x = r.status as string;
    const entry = (implied: boolean, status: string, from: string): HistoryEntry => ({
      status,
      from,
      implied,
      index,
      ...(implied || r.at === undefined ? {} : { at: r.at }),
      ...(implied || r.id === undefined ? {} : { id: r.id }),
    });
    if (code === 'ok') {
      const e = entry(false, x, this.status);
      this.status = x;
      return { kind: 'applied', entries: [e], skipped: false };
    }
    if (code === 'unknown_channel') throw new Error('unreachable');
    if (this.policy === 'tolerant' && code === 'skipped') {
      const entries: HistoryEntry[] = [];
      let from = this.status;
      for (const b of oracle.between(this.status, x) ?? []) {
        entries.push(entry(true, b, from));
        from = b;
      }
      entries.push(entry(false, x, from));
      this.status = x;
      return { kind: 'applied', entries, skipped: true };
    }
    if (this.policy === 'tolerant' && (code === 'duplicate' || code === 'stale')) return { kind: 'ignored', code };
    return { kind: 'rejected', code };
  }
}

// ISO texts the generator uses, with the instant each means (zoneless = UTC).
const ISO_TIMES = new Map<string, number>([
  ['2026-01-01T00:00:05Z', T0 + 5000],
  ['2026-01-01T00:00:05', T0 + 5000],
  ['2026-01-01 00:01', T0 + 60_000],
  ['2025-12-31T23:00:00-01:00', T0],
]);

function reportArb(channel: 'sms' | 'email'): fc.Arbitrary<unknown> {
  const own = oracleFor(MACHINES[channel]).statuses;
  const status = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...own) },
    { weight: 3, arbitrary: fc.constantFrom(...CATALOG) }, // inapplicable ones included
    { weight: 1, arbitrary: fc.constantFrom(...ADVERSARIAL) },
  );
  const id = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...IDS) }, { weight: 1, arbitrary: fc.constantFrom<unknown>('', 7, null, ['a']) });
  const at = fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: T0 - 10_000, max: T0 + 10_000 }) },
    { weight: 2, arbitrary: fc.constantFrom(...ISO_TIMES.keys()) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>('yesterday', '2026-02-30T00:00', NaN, Infinity, {}, true) },
  );
  return fc.oneof(
    { weight: 12, arbitrary: fc.record({ status, id, at }, { requiredKeys: ['status'] }) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 7, 'DELIVERED', ['DELIVERED'], undefined) },
  );
}

describe.each(CHANNEL_NAMES)('%s: reconcile agrees with the xstate oracle at every step', (channel) => {
  test.each(POLICIES)('%s policy: garbage, inapplicable, illegal and post-final reports', (policy) => {
    fc.assert(
      fc.property(fc.array(reportArb(channel), { maxLength: 25 }), (reports) => {
        const model = new Model(channel, policy);
        const history: HistoryEntry[] = [];
        const ignored: { index: number; code: string }[] = [];
        const rejected: { index: number; code: string }[] = [];
        reports.forEach((report, index) => {
          const outcome = model.step(report, index);
          if (outcome.kind === 'invalid') rejected.push({ index, code: 'invalid_event' });
          else if (outcome.kind === 'applied') history.push(...outcome.entries);
          else (outcome.kind === 'ignored' ? ignored : rejected).push({ index, code: outcome.code === 'illegal_transition' ? 'illegal_transition' : outcome.code });
          // Step by step: reconcile of this prefix is where the model is now.
          const result = reconcile(channel, reports.slice(0, index + 1) as never[], { policy });
          expect({ index, status: result.status }).toEqual({ index, status: model.status });
          expect(result.history).toEqual(history);
          expect(result.ignored.map(({ index: i, code }) => ({ index: i, code }))).toEqual(ignored);
          expect(result.rejected.map(({ index: i, code }) => ({ index: i, code }))).toEqual(rejected);
        });
      }),
      { numRuns: 200 },
    );
  });
});

describe('replay agrees with the xstate oracle after every line', () => {
  const lineArb = fc.oneof(
    {
      weight: 10,
      arbitrary: fc
        .tuple(fc.constantFrom('m1', 'm2', 'm3'), reportArb('sms'), reportArb('email'))
        .map(([message, sms, email]) => {
          const channel = message === 'm2' ? 'email' : 'sms';
          const report = channel === 'sms' ? sms : email;
          const value = typeof report === 'object' && report !== null && !Array.isArray(report) ? { ...report, message, channel } : (report ?? null);
          return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));
        }),
    },
    // A message that changes channel, and lines that are not events at all.
    { weight: 1, arbitrary: fc.constantFrom(JSON.stringify({ message: 'm1', channel: 'email', status: 'OPEN' }), '{"message":"m1"', '', '   ', '[]', '42') },
    { weight: 1, arbitrary: fc.string() },
  );

  test.each(POLICIES)('%s policy', (policy) => {
    fc.assert(
      fc.property(fc.array(lineArb, { maxLength: 40 }), (lines) => {
        const replay = createReplay({ policy });
        const models = new Map<string, Model>();
        const expected = { events: 0, malformed: 0, legal: 0, skipped: 0, duplicate: 0, stale: 0, rejected: {} as Record<string, number> };
        lines.forEach((text, i) => {
          replay.line(text, i + 1);
          if (text.trim() !== '') {
            let value: unknown;
            try {
              value = JSON.parse(text);
            } catch {
              value = undefined;
            }
            const v = value as Record<string, unknown> | undefined;
            const valid =
              typeof v === 'object' && v !== null && !Array.isArray(v) &&
              typeof v.message === 'string' && v.message !== '' &&
              (v.channel === 'sms' || v.channel === 'email') &&
              typeof v.status === 'string' && Model.read(v) !== undefined &&
              (models.get(v.message) === undefined || models.get(v.message)?.channel === v.channel);
            if (!valid) expected.malformed++;
            else {
              const message = v.message as string;
              const model = models.get(message) ?? new Model(v.channel as 'sms' | 'email', policy);
              models.set(message, model);
              expected.events++;
              // The replay reads a line's status as parseStatus does: any letter case, blanks around it.
              const spelled = CATALOG.find((name) => name.toLowerCase() === (v.status as string).trim().toLowerCase());
              const outcome = model.step(spelled === undefined ? v : { ...v, status: spelled }, expected.events);
              if (outcome.kind === 'applied') expected[outcome.skipped ? 'skipped' : 'legal']++;
              else if (outcome.kind === 'ignored') expected[outcome.code]++;
              else if (outcome.kind === 'rejected') expected.rejected[outcome.code] = (expected.rejected[outcome.code] ?? 0) + 1;
            }
          }
          const summary = replay.summary();
          const statuses: Record<string, Record<string, number>> = {};
          for (const c of CHANNEL_NAMES) statuses[c] = Object.fromEntries(oracleFor(MACHINES[c]).statuses.map((s) => [s, 0]));
          for (const model of models.values()) statuses[model.channel][model.status]++;
          expect({ line: i + 1, statuses: summary.statuses }).toEqual({ line: i + 1, statuses });
          expect({ line: i + 1, events: summary.events, malformed: summary.malformed.count, messages: summary.messages }).toEqual({
            line: i + 1,
            events: expected.events,
            malformed: expected.malformed,
            messages: models.size,
          });
          expect(summary.counts.applied).toEqual({ total: expected.legal + expected.skipped, legal: expected.legal, skipped: expected.skipped });
          expect(summary.counts.ignored).toEqual({ total: expected.duplicate + expected.stale, duplicate: expected.duplicate, stale: expected.stale });
          const { total, ...byCode } = summary.counts.rejected;
          expect(Object.fromEntries(Object.entries(byCode).filter(([, n]) => n > 0))).toEqual(expected.rejected);
          expect(total).toBe(Object.values(expected.rejected).reduce((a, b) => a + b, 0));
        });
      }),
      { numRuns: 200 },
    );
  });
});
