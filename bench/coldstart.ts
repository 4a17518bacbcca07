import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

/**
 * Milliseconds each body takes in a fresh process, median of `runs` per
 * body. Only the body is timed: the clock stops before anything is written,
 * since the first write to stdout costs Node about 2.5 ms of its own set-up
 * on both sides. The bodies take turns run by run, so a burst of load on the
 * shared machine hits all of them alike rather than one body's whole series.
 */
function timeInFreshProcesses(bodies: readonly string[], runs: number): number[] {
  const samples: number[][] = bodies.map(() => []);
  for (let i = 0; i < runs; i++) {
    bodies.forEach((body, b) => {
      const script = `const t0 = process.hrtime.bigint(); ${body}; const t1 = process.hrtime.bigint(); process.stdout.write(String(Number(t1 - t0) / 1e6));`;
      samples[b].push(Number(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' })));
    });
  }
  return samples.map((list) => list.sort((x, y) => x - y)[Math.floor(list.length / 2)]);
}

export interface ColdStart {
  readonly library: number;
  readonly xstate: number;
  /** Requiring an empty CommonJS module from dist/: what any `require` costs, the floor. */
  readonly empty: number;
}

/** Requiring the package root plus its first check, against requiring xstate alone (both CommonJS, the package from dist). */
export function benchColdStart(runs: number): ColdStart {
  const [library, xstate, empty] = timeInFreshProcesses(
    [
      "const L = require('./dist/index.js'); if (!L.canTransition('sms', 'SUBMITTED', 'DELIVERED')) throw new Error('check failed')",
      "require('xstate')",
      "require('./bench/empty.js')",
    ],
    runs,
  );
  return { library, xstate, empty };
}
