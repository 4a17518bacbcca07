import type { ChannelRef } from '../catalog';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Policy } from '../reconcile';
import type { DeliveryReport } from '../report/model';
import { EXIT, UsageError, type CliIo } from './io';
import type { StoreReportOptions } from './store-report';
import { readLog } from './replay';

/**
 * Writes the report's HTML page to `out` (relative to `io.cwd`). Throws
 * {@link UsageError} when the file cannot be written.
 *
 * @example await writeReportHtml(io, 'report.html', report, 'events.ndjson')
 */
export async function writeReportHtml(io: CliIo, out: string, report: DeliveryReport, source: string, channels?: readonly ChannelRef[]): Promise<void> {
  const { renderReportHtml } = await import('../report/html');
  const html = await renderReportHtml(report, { subtitle: source === '-' ? 'stdin' : source, ...(channels === undefined ? {} : { channels }) });
  try {
    await writeFile(resolve(io.cwd, out), html);
  } catch (error) {
    throw new UsageError(`cannot write ${out}: ${(error as Error).message}`);
  }
}

/** What `report` was asked for. */
export interface ReportCommand {
  /** The log file, or `-` for stdin. */
  readonly file?: string;
  readonly policy: Policy;
  /** Where to write the HTML page; without it (and without `json`) the page goes to stdout. */
  readonly out?: string;
  /** Print the figures as JSON on stdout. */
  readonly json: boolean;
  /** Read the figures from a store (`store.stats`; PostgreSQL or Redis) instead of a log. */
  readonly store?: StoreReportOptions;
  /** Custom channels a log line may name, besides the built-in ones (`--channels`). */
  readonly channels?: readonly ChannelRef[];
}

/**
 * `report <file|->` or `report --database-url <url>`: the delivery report
 * of an event log or of a store (PostgreSQL or Redis) as an HTML page (`--out`, else
 * stdout) and/or JSON (`--json`). Exit 0 once the report is written:
 * rejected events and malformed lines are figures in it, not an error
 * (`replay` is the audit that fails on them); 1 when the store cannot be
 * read.
 *
 * @example await runReport(io, { file: 'events.ndjson', policy: 'tolerant', out: 'report.html', json: false })
 */
export async function runReport(io: CliIo, command: ReportCommand): Promise<number> {
  let report: DeliveryReport;
  let source: string;
  if (command.store !== undefined) {
    if (command.file !== undefined) throw new UsageError('give a log file or --database-url, not both');
    const { storeReport } = await import('./store-report');
    try {
      ({ report, label: source } = await storeReport(command.store));
    } catch (error) {
      if (error instanceof UsageError) throw error;
      io.stderr.write(`error: ${(error as Error).message}\n`);
      return EXIT.notOk;
    }
  } else {
    if (command.file === undefined) throw new UsageError('missing the log file (or - for stdin, or --database-url)');
    const { createReportBuilder } = await import('../report/fold');
    const builder = createReportBuilder({ policy: command.policy, ...(command.channels === undefined ? {} : { channels: command.channels }) });
    await readLog(io, command.file, builder.line);
    report = builder.report();
    source = command.file;
  }
  const channels = command.channels === undefined ? {} : { channels: command.channels };
  if (command.out !== undefined) await writeReportHtml(io, command.out, report, source, command.channels);
  if (command.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else if (command.out === undefined) {
    const { renderReportHtml } = await import('../report/html');
    io.stdout.write(await renderReportHtml(report, { subtitle: source === '-' ? 'stdin' : source, ...channels }));
  }
  return EXIT.ok;
}
