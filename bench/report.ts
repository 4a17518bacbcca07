import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createReplay } from '../dist/index';
import { createReportBuilder } from '../dist/report';

const ROOT = path.resolve(__dirname, '..');

export interface ReportTimings {
  readonly lines: number;
  /** Best-of-runs milliseconds for the replay alone. */
  readonly replayMs: number;
  /** Best-of-runs milliseconds for the delivery report's fold (the replay plus the figures). */
  readonly reportMs: number;
  /** Peak heap above the starting heap (MiB) while streaming the log from a file, replay alone. */
  readonly replayPeakMiB: number;
  /** The same for the report's fold. */
  readonly reportPeakMiB: number;
}

/**
 * Peak heap growth (MiB) while a fresh process streams `file` line by line
 * through the replay or the report builder, sampled every 10,000 lines after
 * a forced GC at the start; the lines are never all held, so what grows is
 * the fold's own state.
 */
function peakHeap(file: string, mode: 'replay' | 'report'): number {
  const script = `
    const fs = require('node:fs');
    const readline = require('node:readline');
    const fold = ${mode === 'replay' ? "require('./dist/index.js').createReplay()" : "require('./dist/report.js').createReportBuilder()"};
    globalThis.gc(); globalThis.gc();
    const base = process.memoryUsage().heapUsed;
    let peak = 0;
    let n = 0;
    (async () => {
      for await (const text of readline.createInterface({ input: fs.createReadStream(${JSON.stringify(file)}), crlfDelay: Infinity })) {
        fold.line(text, ++n);
        if (n % 10000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - base);
      }
      const result = ${mode === 'replay' ? 'fold.summary()' : 'fold.report()'};
      peak = Math.max(peak, process.memoryUsage().heapUsed - base);
      if (result === null) console.log('');
      process.stdout.write(String(peak / 2 ** 20));
    })();
  `;
  return Number(execFileSync(process.execPath, ['--expose-gc', '-e', script], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 20 }));
}

/** Replay vs the report's fold over the same lines, best of `runs` each, alternated; then both peak heaps. */
export function benchReport(lines: readonly string[], runs: number): ReportTimings {
  let replayMs = Infinity;
  let reportMs = Infinity;
  let sink = 0;
  for (let r = 0; r < runs; r++) {
    let t0 = performance.now();
    const replay = createReplay();
    for (let i = 0; i < lines.length; i++) replay.line(lines[i], i + 1);
    sink += replay.summary().events;
    replayMs = Math.min(replayMs, performance.now() - t0);
    t0 = performance.now();
    const builder = createReportBuilder();
    for (let i = 0; i < lines.length; i++) builder.line(lines[i], i + 1);
    sink += builder.report().events;
    reportMs = Math.min(reportMs, performance.now() - t0);
  }
  if (sink === -1) console.log(sink);
  const dir = mkdtempSync(path.join(tmpdir(), 'delivery-report-bench-'));
  const file = path.join(dir, 'events.ndjson');
  writeFileSync(file, `${lines.join('\n')}\n`);
  try {
    return { lines: lines.length, replayMs, reportMs, replayPeakMiB: peakHeap(file, 'replay'), reportPeakMiB: peakHeap(file, 'report') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
