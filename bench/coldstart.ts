import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

/** Milliseconds from a fresh process's first line to the end of `body`, median of `runs`. */
function timeInFreshProcess(body: string, runs: number): number {
  const script = `const t0 = process.hrtime.bigint(); ${body}; process.stdout.write(String(Number(process.hrtime.bigint() - t0) / 1e6));`;
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
}

/** Import of the package plus its first check, against importing xstate alone (both CommonJS, from dist). */
export function benchColdStart(runs: number): ColdStart {
  return {
    library: timeInFreshProcess(
      "const L = require('./dist/index.js'); if (!L.canTransition('sms', 'SUBMITTED', 'DELIVERED')) throw new Error('check failed')",
      runs,
    ),
    xstate: timeInFreshProcess("require('xstate')", runs),
  };
}
