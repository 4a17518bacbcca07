#!/usr/bin/env node
import { run } from './program';

// The bin: the process's streams around `run`, nothing else.

// A reader that closes early (`… | head -1`) is not an error: stop quietly, as other shell tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  cwd: process.cwd(),
  stderrIsTTY: process.stderr.isTTY === true,
  columns: process.stdout.columns ?? 80,
  colors: process.stdout.isTTY === true && !('NO_COLOR' in process.env),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 70;
  },
);
