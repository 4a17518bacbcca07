import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

/**
 * Retained heap per message (bytes) of a structure holding `count` messages,
 * measured in a fresh process with forced GC before and after. Every variant
 * keys its messages by the same JSON-parsed id strings, and the cost of that
 * id index alone is measured too, so it can be subtracted.
 */
function bytesPerMessage(build: string, count: number): number {
  const script = `
    const L = require('./dist/index.js');
    const N = ${count};
    const channels = ['sms', 'email'];
    globalThis.gc(); globalThis.gc();
    const before = process.memoryUsage().heapUsed;
    ${build}
    globalThis.gc(); globalThis.gc();
    const after = process.memoryUsage().heapUsed;
    process.stdout.write(String((after - before) / N));
    if (held === null) console.log('');
  `;
  return Number(execFileSync(process.execPath, ['--expose-gc', '-e', script], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 20 }));
}

export interface MemoryFigures {
  readonly messages: number;
  readonly xstateMessages: number;
  /** The id index alone: Map<id, number>. */
  readonly index: number;
  /** The replay core's record per message, index included. */
  readonly record: number;
  /** An xstate snapshot per message, index included. */
  readonly snapshot: number;
}

export function benchMemory(messages: number, xstateMessages: number): MemoryFigures {
  const index = bytesPerMessage(
    `const held = new Map(); for (let i = 0; i < N; i++) held.set(JSON.parse('"msg-' + i + '"'), i);`,
    messages,
  );
  const record = bytesPerMessage(
    `const held = L.createReplay({ maxSeenIdsPerMessage: 0 });
     for (let i = 0; i < N; i++) held.line(JSON.stringify({ message: 'msg-' + i, channel: channels[i & 1], status: i & 1 ? 'DELIVERED' : 'SUBMITTED' }), i + 1);`,
    messages,
  );
  const snapshot = bytesPerMessage(
    `const held = new Map();
     for (let i = 0; i < N; i++) {
       const channel = channels[i & 1];
       const machine = require('./dist/machines.js').machineFor(channel);
       const context = channel === 'sms'
         ? { validityMs: L.DEFAULT_SMS_VALIDITY_MS, submittedAt: 1700000000000 + i, expiresAt: 1700172800000 + i }
         : { attempts: 0, opens: 0, clicks: 0 };
       held.set(JSON.parse('"msg-' + i + '"'), machine.resolveState({ value: channel === 'sms' ? 'SUBMITTED' : 'DELIVERED', context }));
     }`,
    xstateMessages,
  );
  return { messages, xstateMessages, index, record, snapshot };
}
