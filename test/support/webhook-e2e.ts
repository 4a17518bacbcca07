/** The assertions of the end-to-end webhook tests (PGlite and PostgreSQL run the same scenario). */
import type { PostgresStore } from '../../src/postgres';
import { MACHINES, oracleFor } from './oracle';
import { checkMessage } from './postgres';
import type { Planned, PostOutcome } from './webhook-scenario';

const key = (o: PostOutcome) => `${o.outgoing.path}\n${Buffer.from(o.outgoing.request.body).toString('base64')}\n${JSON.stringify(o.outgoing.request.headers)}`;

/** Problems found in the HTTP answers (empty when sound). */
export function answerProblems(outcomes: readonly PostOutcome[]): string[] {
  const problems: string[] = [];
  const groups = new Map<string, PostOutcome[]>();
  for (const o of outcomes) {
    const final = o.statuses[o.statuses.length - 1];
    if (o.statuses.some((s) => s >= 500 && s !== 503)) problems.push(`${o.outgoing.path}: answered ${o.statuses.join(',')}`);
    if (o.outgoing.kind === 'forged') {
      if (o.statuses.length !== 1 || final !== 401) problems.push(`forged ${o.outgoing.path} answered ${o.statuses.join(',')}`);
      continue;
    }
    if (final !== 200 && final !== 401) problems.push(`genuine ${o.outgoing.path} ended with ${final} after ${o.statuses.join(',')}`);
    const k = key(o);
    groups.set(k, [...(groups.get(k) ?? []), o]);
  }
  // Identical genuine requests: at least one is processed; the others are 200 (a duplicate) or 401 (a replay).
  for (const group of groups.values()) {
    if (!group.some((o) => o.statuses[o.statuses.length - 1] === 200)) problems.push(`no copy of a genuine ${group[0].outgoing.path} callback was accepted`);
  }
  return problems;
}

/** Problems in the stored messages: final status, legal history (checked on xstate itself), nothing forged. */
export async function storeProblems(store: PostgresStore, planned: readonly Planned[]): Promise<string[]> {
  const problems: string[] = [];
  for (const m of planned) {
    const row = await store.get(m.messageId);
    const expected = m.path[m.path.length - 1];
    if (m.path.length === 1) {
      if (row !== undefined) problems.push(`${m.messageId}: stored without any callback`);
      continue;
    }
    if (row?.status !== expected) problems.push(`${m.messageId}: ${row?.status} instead of ${expected} (path ${m.path.join(' → ')})`);
    problems.push(...(await checkMessage(store, m.messageId)));
    const oracle = oracleFor(MACHINES[m.channel]);
    // Nothing applied twice: a status is reported at most as often as the path has it, and always with an id.
    const sent = new Map<string, number>();
    for (const status of m.path.slice(1)) sent.set(status, (sent.get(status) ?? 0) + 1);
    const history = await store.history(m.messageId);
    for (const [status, n] of sent) {
      const applied = history.filter((h) => !h.implied && h.status === status).length;
      if (applied > n) problems.push(`${m.messageId}: ${status} applied ${applied} times for ${n} reports`);
    }
    for (const h of history) {
      if (!h.implied && h.id === undefined) problems.push(`${m.messageId}: row ${h.seq} has no event id`);
    }
    for (const h of history) {
      if (!oracle.can(h.from, h.status)) problems.push(`${m.messageId}: xstate refuses ${h.from} → ${h.status}`);
      if (h.id?.includes('forged')) problems.push(`${m.messageId}: a forged event ${h.id} was applied`);
    }
  }
  return problems;
}
