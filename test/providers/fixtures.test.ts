import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { reconcile } from '../../src';
import * as providers from '../../src/providers';
import type { ProviderEvent, ProviderResult } from '../../src/providers';

// Expectations in the fixtures are written by hand from each provider's
// documentation and issue 7's decisions, never produced by the code.
interface Expect {
  ok: boolean;
  status?: string;
  code?: string;
  messageId?: string;
  id?: string;
  /** `null`: the event must have no time. */
  at?: string | null;
  detail?: string;
}
interface Fixture {
  fn: keyof typeof providers;
  channel: 'sms' | 'email';
  source: string;
  cases?: { name: string; payload: unknown; expect: Expect }[];
  batches?: { name: string; payload: unknown; expect: Expect[] }[];
  sequences: { name: string; payloads?: unknown[]; batches?: unknown[][]; final: string }[];
}

const dir = join(__dirname, '..', 'fixtures', 'providers');
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((file) => ({ file, fixture: JSON.parse(readFileSync(join(dir, file), 'utf8')) as Fixture }));

function run(fixture: Fixture, payload: unknown): ProviderResult[] {
  const fn = providers[fixture.fn] as unknown as (p: unknown) => ProviderResult | ProviderResult[];
  const out = fn(payload);
  return Array.isArray(out) ? out : [out];
}

function check(result: ProviderResult, expected: Expect, channel: string): void {
  if (expected.ok) {
    expect(result).toMatchObject({ ok: true, event: { channel, status: expected.status } });
    if (!result.ok) return;
    for (const key of ['messageId', 'id', 'at', 'detail'] as const) {
      if (expected[key] === null) expect(result.event).not.toHaveProperty(key);
      else if (expected[key] !== undefined) expect(result.event[key]).toBe(expected[key]);
    }
  } else {
    expect(result).toMatchObject({ ok: false, code: expected.code });
    if (!result.ok) expect(typeof result.message).toBe('string');
  }
}

test('there is a fixture file for every provider function', () => {
  expect(fixtures.map((f) => f.fixture.fn).sort()).toEqual(
    ['fromAwsSms', 'fromInfobip', 'fromMailgun', 'fromPostmark', 'fromSendGrid', 'fromSes', 'fromSmppReceipt', 'fromTwilio', 'fromVonage'],
  );
});

describe.each(fixtures)('$file', ({ fixture }) => {
  const cases = fixture.cases ?? [];
  const batches = fixture.batches ?? [];

  if (cases.length > 0) {
    test.each(cases)('$name', ({ payload, expect: expected }) => {
      const [result] = run(fixture, payload);
      check(result, expected, fixture.channel);
    });
  }

  if (batches.length > 0) {
    test.each(batches)('batch: $name', ({ payload, expect: expected }) => {
      const results = run(fixture, payload);
      expect(results).toHaveLength(expected.length);
      results.forEach((result, i) => check(result, expected[i], fixture.channel));
    });
  }

  test.each(fixture.sequences)('replayed through reconcile: $name', ({ payloads, batches: seqBatches, final }) => {
    const results = seqBatches !== undefined ? seqBatches.flatMap((b) => run(fixture, b)) : (payloads ?? []).flatMap((p) => run(fixture, p));
    const events: ProviderEvent[] = results.flatMap((r) => (r.ok ? [r.event] : []));
    expect(events).toHaveLength(results.length);
    const outcome = reconcile(fixture.channel, events);
    expect(outcome.rejected).toEqual([]);
    expect(outcome.status).toBe(final);
  });
});
