import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { ChannelRef } from '../catalog';
import type { Policy } from '../reconcile';
import { createReplay, type ReplaySummary } from '../replay';
import { UsageError, type CliIo } from './io';
import { Progress } from './progress';
import { writeReportHtml } from './report';

/** How often (in lines) the progress line is considered for a redraw. */
const PROGRESS_EVERY = 4096;

/** How many leading bytes are searched for a NUL byte, the mark of a binary file. */
const SNIFF_BYTES = 8192;

/** The first chunk of `input` (undefined when it is empty) and a stream of all of it. */
async function peek(input: NodeJS.ReadableStream): Promise<{ head: Buffer | undefined; stream: Readable }> {
  const chunks = (input as Readable)[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const first = await chunks.next();
  const head = first.done === true ? undefined : Buffer.from(first.value);
  async function* all(): AsyncGenerator<Buffer> {
    if (head === undefined) return;
    yield head;
    for (;;) {
      const next = await chunks.next();
      if (next.done === true) return;
      yield Buffer.from(next.value);
    }
  }
  return { head, stream: Readable.from(all(), { objectMode: false }) };
}

/**
 * The text of a log: gzip (known by its magic bytes) is decompressed as it
 * streams; an empty input or a binary one (a NUL byte near the start) is a
 * {@link UsageError}, one clear error rather than a line-by-line verdict.
 */
async function openLog(input: NodeJS.ReadableStream, file: string): Promise<Readable> {
  let { head, stream } = await peek(input);
  if (head === undefined) throw new UsageError(`${file} is an empty file: no events to audit`);
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip();
    pipeline(stream, gunzip, () => undefined);
    ({ head, stream } = await peek(gunzip));
    if (head === undefined) throw new UsageError(`${file} is an empty gzip file: no events to audit`);
  }
  if (head.subarray(0, SNIFF_BYTES).includes(0)) throw new UsageError(`${file} is a binary file, not an NDJSON log (a NUL byte near the start)`);
  return stream;
}

/**
 * Streams `file` (or stdin for `-`) line by line into `feed` (lines
 * numbered from 1), drawing progress on stderr only when it is a terminal.
 * Reads UTF-8 (a byte-order mark on the first line is dropped) or gzip
 * (known by its magic bytes). Throws {@link UsageError} when the file cannot
 * be read, is empty or is binary.
 *
 * @example await readLog(io, 'events.ndjson', (text, n) => replay.line(text, n))
 */
export async function readLog(io: CliIo, file: string, feed: (text: string, lineNumber: number) => void): Promise<void> {
  let input: NodeJS.ReadableStream & { bytesRead?: number };
  let total = 0;
  if (file === '-') input = io.stdin;
  else {
    const path = resolve(io.cwd, file);
    try {
      const info = await stat(path);
      if (!info.isFile()) throw new Error('not a file');
      total = info.size;
    } catch (error) {
      throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
    }
    input = createReadStream(path);
  }
  const raw = input;
  let text: Readable;
  try {
    text = await openLog(raw, file);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const progress = io.stderrIsTTY ? new Progress(io.stderr, total) : undefined;
  const lines = createInterface({ input: text, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) {
      feed(n === 0 && line.charCodeAt(0) === 0xfeff ? line.slice(1) : line, ++n);
      if (progress !== undefined && n % PROGRESS_EVERY === 0) progress.update(n, raw.bytesRead ?? 0);
    }
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  } finally {
    progress?.done();
  }
}

/**
 * Streams `file` (or stdin for `-`) through {@link createReplay} with
 * {@link readLog}.
 *
 * @example (await replayFile(io, 'examples/events.ndjson', 'tolerant', 20)).counts
 */
export async function replayFile(
  io: CliIo,
  file: string,
  policy: Policy,
  maxListed: number,
  channels?: readonly ChannelRef[],
): Promise<ReplaySummary> {
  const replay = createReplay({ policy, maxListed, ...(channels === undefined ? {} : { channels }) });
  await readLog(io, file, replay.line);
  return replay.summary();
}

function counted(counts: Readonly<Record<string, number>>): string {
  const parts = Object.entries(counts)
    .filter(([code, count]) => code !== 'total' && count > 0)
    .map(([code, count]) => `${code} ${count}`);
  return parts.join(', ');
}

/**
 * The summary as text for people.
 *
 * @example io.stdout.write(formatSummary('-', summary))
 */
export function formatSummary(file: string, summary: ReplaySummary): string {
  const { counts } = summary;
  const out = [
    `${file === '-' ? 'stdin' : file} (${summary.policy}): ${summary.lines} lines, ${summary.events} events, ${summary.messages} messages`,
    '',
    'Final statuses',
  ];
  for (const [channel, totals] of Object.entries(summary.statuses)) {
    for (const [status, count] of Object.entries(totals)) {
      if (count > 0) out.push(`  ${channel.padEnd(6)} ${status.padEnd(14)} ${String(count).padStart(6)}`);
    }
  }
  out.push('', 'Events');
  for (const outcome of ['applied', 'ignored', 'rejected'] as const) {
    const detail = counted(counts[outcome]);
    out.push(`  ${outcome.padEnd(9)} ${String(counts[outcome].total).padStart(6)}${detail ? `  (${detail})` : ''}`);
  }
  const { malformed, rejectedMessages } = summary;
  out.push('', `Malformed lines: ${malformed.count}`);
  for (const m of malformed.lines) out.push(`  line ${m.line}: ${m.reason}`);
  if (malformed.count > malformed.lines.length) out.push(`  … and ${malformed.count - malformed.lines.length} more`);
  out.push('', `Messages with rejected events: ${rejectedMessages.count}`);
  for (const m of rejectedMessages.messages) {
    out.push(`  ${m.message} (${m.channel}) line ${m.line}: ${m.status} while ${m.current}: ${m.code}`);
  }
  if (rejectedMessages.count > rejectedMessages.messages.length) out.push(`  … and ${rejectedMessages.count - rejectedMessages.messages.length} more`);
  return `${out.join('\n')}\n`;
}

/**
 * `replay <file|->`: exit 1 when any event was rejected or any line
 * malformed, else 0. With `html`, the delivery report of the same lines is
 * also written to that path (the same fold, one pass).
 *
 * @example await runReplay(io, '-', 'tolerant', true, 20)
 */
export async function runReplay(
  io: CliIo,
  file: string,
  policy: Policy,
  json: boolean,
  maxListed: number,
  html?: string,
  channels?: readonly ChannelRef[],
  label: string = file,
): Promise<number> {
  let summary: ReplaySummary;
  if (html === undefined) summary = await replayFile(io, file, policy, maxListed, channels);
  else {
    const { createReportBuilder } = await import('../report/fold');
    const builder = createReportBuilder({ policy, maxListed, ...(channels === undefined ? {} : { channels }) });
    await readLog(io, file, builder.line);
    summary = builder.summary();
    await writeReportHtml(io, html, builder.report(), label, channels);
  }
  io.stdout.write(json ? `${JSON.stringify({ file: label, ...summary }, null, 2)}\n` : formatSummary(label, summary));
  return summary.counts.rejected.total > 0 || summary.malformed.count > 0 ? 1 : 0;
}
