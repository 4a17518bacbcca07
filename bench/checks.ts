import { transition, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import { Bench } from 'tinybench';
import { applyStatus, canTransition, checkTransition, CHANNELS, lifecycleOf, type Channel } from '../dist/index';
import { machineFor } from '../dist/machines';
import type { StreamItem } from './stream';

/** Nanoseconds per check for each contender, all over the same stream in one process. */
export interface CheckTimings {
  readonly canTransition: number;
  readonly checkTransition: number;
  readonly applyStatus: number;
  readonly mapSet: number;
  readonly floor: number;
  readonly snapshotCan: number;
  readonly xstateTransition: number;
}

/** Baseline tables, built from the same compiled machines so every contender answers the same question. */
function baselines() {
  const mapSet = new Map<Channel, Map<string, Set<string>>>();
  const floor = new Map<Channel, { n: number; table: Uint8Array }>();
  const snapshots = new Map<Channel, Map<string, AnyMachineSnapshot>>();
  for (const channel of CHANNELS) {
    const lc = lifecycleOf(channel);
    const n = lc.size + 1; // one extra all-zero row and column for garbage
    const table = new Uint8Array(n * n);
    const byFrom = new Map<string, Set<string>>();
    const machine = machineFor(channel) as AnyStateMachine;
    const initialContext = machine.resolveState({ value: lc.statuses[lc.initial] }).context;
    const snaps = new Map<string, AnyMachineSnapshot>();
    for (let f = 0; f < lc.size; f++) {
      byFrom.set(lc.statuses[f], new Set(lc.next[f].map((t) => lc.statuses[t])));
      for (const t of lc.next[f]) table[f * n + t] = 1;
      snaps.set(lc.statuses[f], machine.resolveState({ value: lc.statuses[f], context: initialContext }));
    }
    mapSet.set(channel, byFrom);
    floor.set(channel, { n, table });
    snapshots.set(channel, snaps);
  }
  return { mapSet, floor, snapshots };
}

export async function benchChecks(stream: readonly StreamItem[], time: number): Promise<CheckTimings> {
  const { mapSet, floor, snapshots } = baselines();
  const sms = mapSet.get('sms')!;
  const email = mapSet.get('email')!;
  const smsFloor = floor.get('sms')!;
  const emailFloor = floor.get('email')!;
  let sink = 0;
  const bench = new Bench({ time, warmupTime: Math.min(time, 200) });
  const len = stream.length;
  bench
    .add('canTransition', () => {
      for (let i = 0; i < len; i++) {
        const e = stream[i];
        if (canTransition(e.channel, e.from, e.to)) sink++;
      }
    })
    .add('checkTransition', () => {
      for (let i = 0; i < len; i++) {
        const e = stream[i];
        if (checkTransition(e.channel, e.from, e.to).ok) sink++;
      }
    })
    .add('applyStatus', () => {
      for (let i = 0; i < len; i++) {
        const e = stream[i];
        if (applyStatus(e.channel, e.from as never, e.to).outcome === 'applied') sink++;
      }
    })
    .add('mapSet', () => {
      for (let i = 0; i < len; i++) {
        const e = stream[i];
        if ((e.channel === 'sms' ? sms : email).get(e.from)?.has(e.to) === true) sink++;
      }
    })
    .add('floor', () => {
      for (let i = 0; i < len; i++) {
        const e = stream[i];
        const f = e.channel === 'sms' ? smsFloor : emailFloor;
        if (f.table[e.fromId * f.n + e.toId] === 1) sink++;
      }
    });
  // xstate is ~1000x slower: give it a slice of the stream so a pass stays short.
  const slice = stream.slice(0, Math.max(1, Math.floor(len / 16)));
  bench
    .add('snapshotCan', () => {
      for (let i = 0; i < slice.length; i++) {
        const e = slice[i];
        if (snapshots.get(e.channel)!.get(e.from)!.can({ type: e.to })) sink++;
      }
    })
    .add('xstateTransition', () => {
      for (let i = 0; i < slice.length; i++) {
        const e = slice[i];
        const snap = snapshots.get(e.channel)!.get(e.from)!;
        if (transition(snap.machine as AnyStateMachine, snap, { type: e.to })[0] !== snap) sink++;
      }
    });
  await bench.run();
  if (sink === -1) console.log(sink);
  const ns = (name: string, ops: number): number => {
    const task = bench.getTask(name)!;
    const result = task.result;
    if (result.state !== 'completed') throw new Error(`bench task ${name} did not complete: ${result.state}`);
    return (result.latency.p50 * 1e6) / ops;
  };
  return {
    canTransition: ns('canTransition', len),
    checkTransition: ns('checkTransition', len),
    applyStatus: ns('applyStatus', len),
    mapSet: ns('mapSet', len),
    floor: ns('floor', len),
    snapshotCan: ns('snapshotCan', slice.length),
    xstateTransition: ns('xstateTransition', slice.length),
  };
}

/** Nanoseconds per report of `applyStatus` and `canTransition` over one stream, measured side by side. */
export interface ApplyTimings {
  readonly canTransition: number;
  readonly applyStatus: number;
  /**
   * A loop that allocates one six-field result object per report and does
   * nothing else: what a fresh object per report would cost at least.
   */
  readonly objectPerReport: number;
}

export async function benchApply(stream: readonly StreamItem[], time: number): Promise<ApplyTimings> {
  let sink = 0;
  const bench = new Bench({ time, warmupTime: Math.min(time, 200) });
  const len = stream.length;
  bench
    .add('canTransition', () => {
      for (let i = 0; i < len; i++) {
        const e = stream[i];
        if (canTransition(e.channel, e.from, e.to)) sink++;
      }
    })
    .add('applyStatus', () => {
      for (let i = 0; i < len; i++) {
        const e = stream[i];
        if (applyStatus(e.channel, e.from as never, e.to).outcome === 'applied') sink++;
      }
    })
    .add('objectPerReport', () => {
      for (let i = 0; i < len; i++) {
        const e = stream[i];
        const o = { outcome: 'rejected', status: e.from, from: e.from, code: 'unknown_status', implied: NONE, message: e.to };
        if (o.status === e.to) sink++;
      }
    });
  await bench.run();
  if (sink === -1) console.log(sink);
  const ns = (name: string): number => {
    const result = bench.getTask(name)!.result;
    if (result.state !== 'completed') throw new Error(`bench task ${name} did not complete: ${result.state}`);
    return (result.latency.p50 * 1e6) / len;
  };
  return { canTransition: ns('canTransition'), applyStatus: ns('applyStatus'), objectPerReport: ns('objectPerReport') };
}

const NONE: readonly never[] = Object.freeze([]);
