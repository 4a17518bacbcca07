/**
 * Where a CLI run reads and writes. `main.ts` passes the process's streams;
 * tests and the docs script pass their own and capture the output.
 *
 * @example
 * let out = ''
 * await run(['statuses', 'sms'], { ...io, stdout: { write: (t) => (out += t) } })
 */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly stdin: NodeJS.ReadableStream;
  /** Directory relative paths are read and written from. */
  readonly cwd: string;
  /** Whether stderr is a terminal: the replay progress line is drawn only then. */
  readonly stderrIsTTY: boolean;
  /** Help text width. */
  readonly columns: number;
  /** Whether help may use colours. */
  readonly colors: boolean;
}

/**
 * A command-line mistake: reported on stderr with exit code 2.
 *
 * @example throw new UsageError('cannot read log.ndjson: ENOENT')
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Exit codes a script can rely on.
 *
 * @example process.exitCode = summary.counts.rejected.total > 0 ? EXIT.notOk : EXIT.ok
 */
export const EXIT = {
  /** Everything checked out (ignored duplicate and late events included). */
  ok: 0,
  /** A check that is not ok, or a log with rejected events or malformed lines. */
  notOk: 1,
  /** Bad usage: missing argument, unknown command, option or channel, unreadable file, a missing optional peer dependency. */
  usage: 2,
} as const;
