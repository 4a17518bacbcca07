import fc from 'fast-check';
import { replayLines } from '../../src/replay';
import {
  buildReport,
  createReportBuilder,
  mergeReports,
  quantileOf,
  sketchFromData,
  sketchToData,
  type ChannelFigures,
  type DeliveryReport,
} from '../../src/report';
import { exactQuantile, FAILURES, messyLog, plainFold, type PlainChannel, type PlainFigures } from '../support/report-oracle';

const line = (message: string, channel: string, status: string, extra: object = {}): string =>
  JSON.stringify({ message, channel, status, ...extra });

function channelOf(report: DeliveryReport, name: string): ChannelFigures {
  const channel = report.channels.find((c) => c.channel === name);
  if (channel === undefined) throw new Error(`no channel ${name}`);
  return channel;
}

const within1pc = (actual: number | null, exact: number): boolean => actual !== null && Math.abs(actual - exact) <= exact * 0.01 + 1e-9;

/** Every figure of one channel against the plain fold's. */
function expectChannel(figures: ChannelFigures, plain: PlainChannel, channel: 'sms' | 'email'): void {
  expect(figures.started).toBe(plain.started);
  expect(Object.fromEntries(figures.funnel.filter((f) => f.reached > 0).map((f) => [f.status, f.reached]))).toEqual(Object.fromEntries(plain.reached));
  expect(Object.fromEntries(figures.funnel.filter((f) => f.implied > 0).map((f) => [f.status, f.implied]))).toEqual(Object.fromEntries(plain.impliedOnly));
  for (const f of figures.funnel) expect(f.share).toBeCloseTo(plain.started === 0 ? 0 : (plain.reached.get(f.status) ?? 0) / plain.started, 12);
  expect(Object.fromEntries(figures.final.filter((f) => f.count > 0).map((f) => [f.status, f.count]))).toEqual(Object.fromEntries(plain.final));
  expect(Object.fromEntries(figures.transitions.filter((t) => t.count > 0).map((t) => [`${t.from}>${t.to}`, [t.count, t.implied]]))).toEqual(
    Object.fromEntries(plain.steps),
  );
  const timed = new Set([...plain.durations.keys(), ...plain.negative.keys()]);
  expect(figures.timings.map((t) => `${t.from}>${t.to}`).sort()).toEqual([...timed].sort());
  for (const t of figures.timings) {
    const values = plain.durations.get(`${t.from}>${t.to}`) ?? [];
    expect(t.count).toBe(values.length);
    expect(t.negative).toBe(plain.negative.get(`${t.from}>${t.to}`) ?? 0);
    if (values.length === 0) continue;
    expect(t.min).toBe(Math.min(...values));
    expect(t.max).toBe(Math.max(...values));
    expect(t.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 6);
    for (const [q, got] of [[0.5, t.median], [0.9, t.p90], [0.99, t.p99]] as const) {
      expect({ pair: `${t.from}>${t.to}`, q, ok: within1pc(got, exactQuantile(values, q)) }).toEqual({ pair: `${t.from}>${t.to}`, q, ok: true });
    }
  }
  expect(figures.failures.byStatus.map((f) => f.status)).toEqual(FAILURES[channel].filter((s) => figures.statuses.includes(s)).sort((a, b) => figures.statuses.indexOf(a) - figures.statuses.indexOf(b)));
  expect(figures.failures.total).toBe(FAILURES[channel].reduce((sum, s) => sum + (plain.final.get(s) ?? 0), 0));
  expect(Object.fromEntries(figures.failures.byDetail.map((d) => [d.detail, d.count]))).toEqual(Object.fromEntries(plain.details));
  expect(figures.failures.withoutDetail).toBe(plain.withoutDetail);
  expect(figures.failures.otherDetails).toBe(0);
}

function expectReport(report: DeliveryReport, plain: PlainFigures): void {
  expectChannel(channelOf(report, 'sms'), plain.channels.sms, 'sms');
  expectChannel(channelOf(report, 'email'), plain.channels.email, 'email');
  const x = report.contradictions;
  expect({ malformed: x.malformed, rejected: x.rejected, ...x.ignored }).toEqual({
    malformed: plain.malformed,
    rejected: plain.rejected,
    duplicate: plain.duplicate,
    stale: plain.stale,
  });
  expect(x.listed.map((c) => c.line)).toEqual(plain.badLines.slice(0, 100));
}

describe('the report folds a log as a plain fold over the events does', () => {
  test('a hand-counted log: early, late, duplicate and contradictory reports, details, clock skew', async () => {
    const report = await buildReport([
      line('s1', 'sms', 'SUBMITTED', { id: 'a', at: 1000 }),
      line('s1', 'sms', 'DELIVERED', { id: 'b', at: 4000 }),
      line('s1', 'sms', 'DELIVERED', { id: 'b', at: 4000 }), // same provider id: duplicate
      line('s2', 'sms', 'DELIVERED', { at: 9000 }), // early: SUBMITTED implied
      line('s2', 'sms', 'SUBMITTED', { at: 2000 }), // late: ignored, never timed
      line('s3', 'sms', 'SUBMITTED', { at: 5000 }),
      line('s3', 'sms', 'UNDELIVERABLE', { at: 3000, detail: 'no such number' }), // stamped before SUBMITTED
      line('s3', 'sms', 'DELIVERED', { at: 9999 }), // after a final status: rejected
      '{"message": "s4"', // malformed
      line('e1', 'email', 'SUBMITTED', { at: 100 }), // the initial status, timed by its report
      line('e1', 'email', 'CLICKED', { at: 700 }), // early: DELIVERED implied (a click implies an open, not its report)
      line('e1', 'email', 'OPEN', { at: 600 }), // late
      line('e2', 'email', 'DROPPED', { detail: 'earlier bounce' }),
      line('e3', 'email', 'DEFERRED', { at: 10 }),
      line('e3', 'email', 'DEFERRED', { at: 20 }), // a counted repeat
      line('e3', 'email', 'UNDELIVERABLE', { at: 50, detail: 'earlier bounce' }),
    ]);
    const sms = channelOf(report, 'sms');
    expect(sms.started).toBe(3);
    expect(sms.funnel.map((f) => [f.status, f.reached, f.implied])).toEqual([
      ['REGISTERED', 3, 0],
      ['SUBMITTED', 3, 1],
      ['DELIVERED', 2, 0],
      ['EXPIRED', 0, 0],
      ['UNDELIVERABLE', 1, 0],
      ['FAILED', 0, 0],
    ]);
    expect(sms.transitions.filter((t) => t.count > 0).map((t) => [t.from, t.to, t.count, t.implied])).toEqual([
      ['REGISTERED', 'SUBMITTED', 3, 1],
      ['SUBMITTED', 'DELIVERED', 2, 0],
      ['SUBMITTED', 'UNDELIVERABLE', 1, 0],
    ]);
    expect(sms.timings.map((t) => [t.from, t.to, t.count, t.negative, t.min, t.max])).toEqual([
      ['SUBMITTED', 'DELIVERED', 1, 0, 3000, 3000],
      ['SUBMITTED', 'UNDELIVERABLE', 0, 1, null, null],
    ]);
    expect(sms.failures).toMatchObject({ total: 1, byDetail: [{ detail: 'no such number', count: 1 }], withoutDetail: 0 });
    const email = channelOf(report, 'email');
    expect(email.funnel.filter((f) => f.reached > 0).map((f) => [f.status, f.reached, f.implied])).toEqual([
      ['SUBMITTED', 3, 0],
      ['DEFERRED', 1, 0],
      ['DELIVERED', 1, 1],
      ['CLICKED', 1, 0],
      ['UNDELIVERABLE', 1, 0],
      ['DROPPED', 1, 0],
    ]);
    expect(email.transitions.find((t) => t.from === 'DEFERRED' && t.to === 'DEFERRED')).toEqual({ from: 'DEFERRED', to: 'DEFERRED', count: 1, implied: 0 });
    expect(email.timings.map((t) => [t.from, t.to, t.count, t.min])).toEqual([
      ['SUBMITTED', 'CLICKED', 1, 600],
      ['DEFERRED', 'UNDELIVERABLE', 1, 40],
    ]);
    expect(email.failures.byDetail).toEqual([{ detail: 'earlier bounce', count: 2 }]);
    expect(email.failures.byStatus.map((f) => [f.status, f.count])).toEqual([['UNDELIVERABLE', 1], ['REJECTED', 0], ['DROPPED', 1]]);
    expect(report.contradictions).toMatchObject({ malformed: 1, rejected: 1, ignored: { duplicate: 2, stale: 2 } }); // e1's SUBMITTED repeats its initial status
    expect(report.contradictions.listed.map((c) => [c.line, c.kind, c.code])).toEqual([
      [8, 'rejected', 'from_final'],
      [9, 'malformed', undefined],
    ]);
  });

  test.each([1, 2, 3])('a messy log of 400 messages (seed %i): every figure equals the plain fold', async (seed) => {
    const lines = messyLog(seed, 400);
    expectReport(await buildReport(lines), plainFold(lines));
  });

  test('any messy log: the figures equal the plain fold', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 60 }), async (seed, n) => {
        const lines = messyLog(seed, n);
        expectReport(await buildReport(lines), plainFold(lines));
      }),
      { numRuns: 60 },
    );
  });

  test('the replay inside the report decides as replay does (its summary is the replay summary)', () => {
    const lines = messyLog(9, 300);
    const builder = createReportBuilder({ maxListed: 20 });
    lines.forEach((text, i) => builder.line(text, i + 1));
    expect(builder.summary()).toEqual(replayLines(lines, { maxListed: 20 }));
    const report = builder.report();
    expect(report.contradictions.listed).toHaveLength(20);
    expect(report.events).toBe(builder.summary().events);
  });

  test('an async iterable source gives the same report as an array', async () => {
    const lines = messyLog(4, 100);
    async function* lazily() {
      for (const text of lines) yield text;
    }
    expect(await buildReport(lazily())).toEqual(await buildReport(lines));
  });

  test('failure details are capped at maxDetails, the rest summed', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => line(`e${i}`, 'email', 'DROPPED', { detail: `why ${i % 6}` }));
    const email = channelOf(await buildReport(lines, { maxDetails: 4 }), 'email');
    expect(email.failures.byDetail.map((d) => d.count)).toEqual([5, 5, 5, 5]);
    expect(email.failures.otherDetails).toBe(10);
  });

  test('a long detail is cut to 200 characters', async () => {
    const email = channelOf(await buildReport([line('e', 'email', 'DROPPED', { detail: 'x'.repeat(5000) })]), 'email');
    expect(email.failures.byDetail[0].detail).toHaveLength(200);
  });

  test('bad options throw invalid_argument', () => {
    expect(() => createReportBuilder({ maxListed: -1 })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => createReportBuilder({ maxDetails: 1.5 })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => createReportBuilder({ channels: ['fax'] as never })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
  });
});

describe('reports merge', () => {
  test('the report of two shards merged equals the report of the whole log (sketches included)', async () => {
    const lines = messyLog(5, 500);
    const shard = (text: string) => {
      const match = /"message":"[a-z]+-(\d+)"/.exec(text);
      return match === null ? 0 : Number(match[1]) % 2;
    };
    const whole = await buildReport(lines);
    const a = await buildReport(lines.filter((t) => shard(t) === 0));
    const b = await buildReport(lines.filter((t) => shard(t) === 1));
    const merged = mergeReports([a, b]);
    const strip = (r: DeliveryReport) => ({ ...r, lines: 0, contradictions: { ...r.contradictions, listed: [] } });
    expect(strip(merged)).toEqual(strip(whole));
  });

  test('a sketch survives JSON and keeps its quantiles', async () => {
    const report = await buildReport(messyLog(6, 200));
    const timing = channelOf(report, 'email').timings.find((t) => t.count > 5)!;
    const data = JSON.parse(JSON.stringify(timing.sketch)) as unknown;
    const sketch = sketchFromData(data);
    expect(sketchToData(sketch)).toEqual(timing.sketch);
    expect(quantileOf(sketchToData(sketch), 0.9)).toBe(timing.p90);
  });

  test('corrupted sketches are refused with invalid_argument', () => {
    const good = { relativeAccuracy: 0.01, count: 2, zeroCount: 0, sum: 3, min: 1, max: 2, bins: [[0, 1], [35, 1]] };
    expect(sketchToData(sketchFromData(good)).count).toBe(2);
    for (const bad of [
      { ...good, count: 3 },
      { ...good, relativeAccuracy: 0.02 },
      { ...good, bins: [[35, 1], [0, 1]] },
      { ...good, bins: [[0, -1], [35, 3]] },
      { ...good, bins: 'x' },
      { ...good, min: 3 },
      null,
    ]) {
      expect(() => sketchFromData(bad)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    }
  });

  test('merging needs one report at least, of the same policy', async () => {
    expect(() => mergeReports([])).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    const tolerant = await buildReport([]);
    const strict = await buildReport([], { policy: 'strict' });
    expect(() => mergeReports([tolerant, strict])).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
  });
});
