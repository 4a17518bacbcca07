import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

/**
 * Milliseconds `body` takes in a fresh process, median of `runs`. Only the
 * body is timed: the clock stops before anything is written, since the first
 * write to stdout costs Node about 2.5 ms of its own set-up on both sides.
 */
function timeInFreshProcess(body: string, runs: number): number {
  const script = `const t0 = process.hrtime.bigint(); ${body}; const t1 = process.hrtime.bigint(); process.stdout.write(String(Number(t1 - t0) / 1e6));`;
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    samples.push(Number(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' })));
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

export interface ColdStart {
  readonly library: number;
  readonly xstate: number;
  /** Requiring an empty CommonJS module from dist/: what any `require` costs, the floor. */
  readonly empty: number;
}

/** Requiring the package root plus its first check, against requiring xstate alone (both CommonJS, the package from dist). */
export function benchColdStart(runs: number): ColdStart {
  return {
    library: timeInFreshProcess(
      "const L = require('./dist/index.js'); if (!L.canTransition('sms', 'SUBMITTED', 'DELIVERED')) throw new Error('check failed')",
      runs,
    ),
    xstate: timeInFreshProcess("require('xstate')", runs),
    empty: timeInFreshProcess("require('./bench/empty.js')", runs),
  };
}
