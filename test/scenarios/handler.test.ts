import * as fc from 'fast-check';
import { createTracker, restoreTracker, type StatusReport } from '../../src';
import { webhookStreamArb } from '../../src/testing';

// The handler pattern of docs/receiving-webhooks.md (load, apply, save), over
// an in-memory store, property-tested the way the doc tells users to.
class MemoryStore {
  readonly rows = new Map<string, string>();
}

async function handle(store: MemoryStore, messageId: string, report: StatusReport): Promise<void> {
  const saved = store.rows.get(messageId);
  const tracker = saved === undefined ? createTracker('email') : restoreTracker(saved);
  tracker.apply(report);
  await Promise.resolve();
  store.rows.set(messageId, JSON.stringify(tracker));
}

test('a load-apply-save handler ends at the last status whatever the arrival order', async () => {
  await fc.assert(
    fc.asyncProperty(webhookStreamArb('email'), async ({ events, last }) => {
      const store = new MemoryStore();
      for (const e of events) await handle(store, 'msg-1', e);
      const status = store.rows.has('msg-1') ? restoreTracker(store.rows.get('msg-1')!).status : 'SUBMITTED';
      expect(status).toBe(last);
    }),
    { numRuns: 200 },
  );
});
