/**
 * Expiry in the PostgreSQL store, judged by the tracker: the same reports and
 * the same clock must give the same row and history (issue 11). Shared by the
 * PGlite tests and the real-server tests.
 */
import { createTracker, lifecycleOf, type ApplyResult, type ChannelRef, type CompiledLifecycle, type StatusReport, type Tracker, type TrackResult } from '../../src';
import type { PostgresStore, StoreApplyOptions } from '../../src/postgres';
import { checkMessage, shuffle } from './postgres';
import { rng } from './random';

/** What a row and its history look like, in the tracker's terms. */
export interface Seen {
  status: string;
  deadline: number | undefined;
  counts: Record<string, number>;
  history: { from: string; status: string; implied: boolean; id?: string; at?: number; timer?: true }[];
}

/** The message as the store holds it (a message it never recorded is at the initial status, with nothing counted). */
export async function storedView(store: PostgresStore, messageId: string, channel: ChannelRef): Promise<Seen> {
  const l = lifecycleOf(channel) as CompiledLifecycle;
  const row = await store.get(messageId);
  const history = (await store.history(messageId)).map((h) => ({
    from: h.from,
    status: h.status,
    implied: h.implied,
    ...(h.id === undefined ? {} : { id: h.id }),
    ...(h.at === undefined ? {} : { at: h.at }),
    ...(h.timer === true ? { timer: true as const } : {}),
  }));
  return {
    status: row?.status ?? l.statuses[l.initial],
    deadline: row?.deadline,
    counts: row?.counts ?? Object.fromEntries(l.statuses.map((s) => [s, 0])),
    history,
  };
}

/** The same view of a tracker. */
export function trackerView(t: Tracker): Seen {
  return {
    status: t.status,
    deadline: t.deadline,
    counts: { ...t.counts },
    history: t.history.map((h) => ({
      from: h.from,
      status: h.status,
      implied: h.implied,
      ...(h.id === undefined ? {} : { id: h.id }),
      ...(h.at === undefined ? {} : { at: h.at }),
      ...(h.timer === true ? { timer: true as const } : {}),
    })),
  };
}

/**
 * Whether the store's answer is the tracker's. One known, documented
 * difference: the tracker remembers the id of every report it was given,
 * the store only those it recorded, so a resent report the tracker calls a
 * `duplicate` may get its original reason (stale, from_final…) from the
 * store; then only the status must agree, and the store must not apply it.
 */
export function sameAnswer(store: ApplyResult, tracker: TrackResult): boolean {
  if (tracker.code === 'duplicate' && tracker.outcome === 'ignored') return store.status === tracker.status && store.outcome !== 'applied';
  return JSON.stringify(store) === JSON.stringify(tracker);
}

export interface SweepScenario {
  readonly store: (worker: number) => PostgresStore;
  /** How many messages; about a tenth stay REGISTERED, the rest are SUBMITTED with deadlines around `now`. */
  readonly messages: number;
  readonly appliers: number;
  readonly sweepers: number;
  readonly seed: number;
  readonly prefix: string;
  /** The fixed clock of every store in the scenario. */
  readonly now: number;
}

export interface SweepOutcome {
  readonly problems: string[];
  /** Messages the sweepers moved (each once), and messages that ended EXPIRED. */
  readonly swept: number;
  readonly expired: number;
  readonly delivered: number;
  /** Messages whose deadline was exactly `now`, `now - 1` and `now + 1`. */
  readonly edges: number;
}

interface Planned {
  readonly id: string;
  readonly options: StoreApplyOptions;
  readonly submitted?: StatusReport;
  readonly reports: StatusReport[];
}

/**
 * Several appliers and sweepers at once over many SMS messages whose
 * deadlines lie around `now` (some exactly at it, ±1 ms): appliers send
 * delivery receipts (some repeated, some UNDELIVERABLE), sweepers call
 * `expireDue` with a small limit until nothing is due. Every message must
 * end with exactly the row and history a tracker gives for the same reports
 * and clock, and no message may be swept twice.
 */
export async function runSweepScenario(s: SweepScenario): Promise<SweepOutcome> {
  const random = rng(s.seed);
  const planned: Planned[] = [];
  let edges = 0;
  for (let i = 0; i < s.messages; i++) {
    const id = `${s.prefix}-${i}`;
    const validityMs = 60_000 + Math.floor(random() * 3_600_000);
    const options = { validityMs };
    if (random() < 0.1) {
      planned.push({ id, options, reports: random() < 0.5 ? [{ status: 'SUBMITTED', id: `${id}/s` }] : [] });
      continue;
    }
    // The deadline: exactly now or a millisecond either side for one message in six, else within ±20 s.
    const edge = random() < 1 / 6;
    const offset = edge ? Math.floor(random() * 3) - 1 : Math.floor((random() - 0.5) * 40_000);
    if (edge) edges++;
    const submitted: StatusReport = { status: 'SUBMITTED', id: `${id}/s`, at: s.now + offset - validityMs };
    const reports: StatusReport[] = [];
    const r = random();
    if (r < 0.55) reports.push({ status: 'DELIVERED', id: `${id}/d`, at: s.now - 1 });
    else if (r < 0.7) reports.push({ status: 'UNDELIVERABLE', id: `${id}/u` });
    if (reports.length > 0 && random() < 0.3) reports.push({ ...reports[0] });
    planned.push({ id, options, submitted, reports });
  }

  // Setup: register every message, then its SUBMITTED report, through the store (before the race).
  const setup = s.store(0);
  for (const m of planned) await setup.register(m.id, 'sms', m.options);
  for (const m of planned) if (m.submitted !== undefined) await setup.apply(m.id, 'sms', m.submitted, m.options);

  const queue = shuffle(
    planned.flatMap((m) => m.reports.map((report) => ({ m, report }))),
    random,
  );
  const answers = new Map<string, ApplyResult[]>();
  let next = 0;
  let appliersDone = 0;
  const swept: string[] = [];
  const appliers = Array.from({ length: s.appliers }, async (_, w) => {
    const store = s.store(1 + w);
    while (next < queue.length) {
      const { m, report } = queue[next++];
      const result = await store.apply(m.id, 'sms', report, m.options);
      answers.set(m.id, [...(answers.get(m.id) ?? []), result]);
    }
    appliersDone++;
  });
  const sweepers = Array.from({ length: s.sweepers }, async (_, w) => {
    const store = s.store(1 + s.appliers + w);
    for (;;) {
      const done = appliersDone === s.appliers;
      const { count, messageIds } = await store.expireDue({ now: s.now, limit: 25 });
      if (count !== messageIds.length) throw new Error(`expireDue counted ${count} for ${messageIds.length} ids`);
      swept.push(...messageIds);
      // Drain once more after the appliers finished, then stop when nothing is due.
      if (done && count === 0) return;
      if (count === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
  });
  await Promise.all([...appliers, ...sweepers]);

  const problems: string[] = [];
  const sweptOnce = new Set(swept);
  if (sweptOnce.size !== swept.length) problems.push(`${swept.length - sweptOnce.size} messages were swept twice`);
  let expired = 0;
  let delivered = 0;
  for (const m of planned) {
    // The tracker with the same clock and validity, given the same reports. Receipts reach the tracker
    // in the order the store applied them (a repeat of one report keeps the outcome whatever the order).
    const t = createTracker('sms', { now: () => s.now, ...m.options });
    if (m.submitted !== undefined) t.apply(m.submitted);
    for (const report of m.reports) t.apply(report);
    t.expireIfDue(s.now);
    const want = trackerView(t);
    const got = await storedView(setup, m.id, 'sms');
    if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${m.id}: store ${JSON.stringify(got)} vs tracker ${JSON.stringify(want)}`);
    problems.push(...(await checkMessage(setup, m.id)));
    const byStore = answers.get(m.id) ?? [];
    if (byStore.some((r) => r.outcome === 'applied' && r.status === 'DELIVERED') && got.status !== 'DELIVERED') problems.push(`${m.id}: DELIVERED was applied but the row says ${got.status}`);
    if (got.status === 'EXPIRED') expired++;
    if (got.status === 'DELIVERED') delivered++;
    if (got.status === 'SUBMITTED' && got.deadline !== undefined && got.deadline <= s.now) problems.push(`${m.id}: due at ${got.deadline} but never expired`);
  }
  return { problems, swept: swept.length, expired, delivered, edges };
}
