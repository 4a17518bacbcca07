import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { CHANNELS } from '../catalog';
import { isLifecycleError } from '../errors';
import type { Policy } from '../reconcile';
import { loadChannels } from './channels';
import { runCheck } from './check';
import { DIAGRAM_FORMATS, runDiagram, type DiagramFormat } from './diagram';
import { DELAY_HELP, checkDelays, parseDelay } from './duration';
import { runExpire } from './expire';
import { EXIT, UsageError, type CliIo } from './io';
import { exampleLog, packageVersion } from './package-info';
import { runReplay } from './replay';
import { runReport } from './report';
import { runStatuses } from './statuses';

const POLICIES = ['tolerant', 'strict'] as const;

function channelArgument(): Argument {
  return new Argument('<channel>', `the channel: ${CHANNELS.join(', ')} or one from --channels (any letter case)`);
}

function channelsOption(): Option {
  return new Option('--channels <module>', 'a JavaScript module exporting channels made with defineChannel');
}

function policyOption(): Option {
  return new Option('--policy <policy>', 'strict: legal transitions only; tolerant: also early events, ignoring late and repeated ones')
    .choices(POLICIES)
    .default('tolerant');
}

function count(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a whole number');
  return n;
}

function positive(text: string): number {
  const n = count(text);
  if (n < 1 || n > 2_147_483_647) throw new InvalidArgumentError('expected a whole number from 1 to 2147483647');
  return n;
}

const URL_HELP = 'postgres://…, redis://host:port[/db], or redis+cluster://host:port[,host:port…] (rediss for TLS)';

/** Adds the options of each engine's store; `optional` when --database-url is optional (report). */
function withStoreOptions(command: Command, optional: boolean): Command {
  const on = (engine: string) => (optional ? `with a ${engine} --database-url: ` : `${engine}: `);
  for (const option of [
    new Option('--schema <name>', `${on('PostgreSQL')}the store's schema (default: the search_path)`),
    new Option('--table-prefix <prefix>', `${on('PostgreSQL')}the store's table prefix (default: "delivery_")`),
    new Option('--key-prefix <prefix>', `${on('Redis')}the store's key prefix (default: "dl:")`),
    new Option('--buckets <n>', `${on('Redis')}the store's bucket count (default: 256)`).argParser(positive),
  ])
    command.addOption(option);
  return command;
}

/** A time option as given: digits are epoch ms, anything else is passed on as text (ISO 8601). */
function epochOrIso(text: string | undefined): string | number | undefined {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : text;
}

/** The command tree; `setCode` receives each command's exit code. */
function buildProgram(io: CliIo, setCode: (code: number) => void, jsonErrors = false): Command {
  const program = new Command('delivery-lifecycle')
    .description('Inspect the SMS and e-mail delivery-status lifecycles and audit event logs against them.')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      // With --json, run() prints the error as JSON on stdout instead of commander's text.
      writeErr: (text) => (jsonErrors ? true : io.stderr.write(text)),
      getOutHelpWidth: () => io.columns,
      getErrHelpWidth: () => io.columns,
      getOutHasColors: () => io.colors,
      getErrHasColors: () => io.colors,
    })
    .exitOverride()
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      '\nExit codes: 0 ok; 1 a check not ok, a log with rejected events or\nmalformed lines, or a database that failed; 2 bad usage.',
    );

  program
    .command('statuses')
    .description('list statuses, meanings, what follows')
    .addArgument(channelArgument())
    .addOption(channelsOption())
    .option('--json', 'print JSON')
    .action(async (name: string, options: { json?: boolean; channels?: string }) => {
      const channel = (await loadChannels(io.cwd, options.channels)).get(name);
      setCode(runStatuses(io, channel, options.json === true));
    });

  program
    .command('check')
    .description('judge a <to> report at status <from>')
    .addArgument(channelArgument())
    .argument('<from>', 'the current status (any letter case)')
    .argument('<to>', 'the reported status (any letter case)')
    .addOption(policyOption())
    .addOption(channelsOption())
    .option('--json', 'print JSON')
    .action(async (name: string, from: string, to: string, options: { policy: Policy; json?: boolean; channels?: string }) => {
      const channel = (await loadChannels(io.cwd, options.channels)).get(name);
      setCode(runCheck(io, channel, from, to, options.policy, options.json === true));
    });

  program
    .command('diagram')
    .description('draw as Mermaid, DOT, SVG or Markdown')
    .addArgument(channelArgument())
    .addOption(new Option('-f, --format <format>', 'output format').choices(DIAGRAM_FORMATS).default('mermaid'))
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .option('--delay <name=duration>', `label a timer with another delay: ${DELAY_HELP} (repeatable, once per timer)`, parseDelay)
    .addOption(channelsOption())
    .action(async (name: string, options: { format: DiagramFormat; output?: string; delay?: Record<string, number>; channels?: string }) => {
      const channel = (await loadChannels(io.cwd, options.channels)).get(name);
      checkDelays(channel, options.delay);
      setCode(await runDiagram(io, channel, options.format, options.output, { delays: options.delay }));
    });

  program
    .command('replay')
    .description('audit an NDJSON event log (- = stdin)')
    .addHelpText(
      'after',
      [
        '',
        'One JSON object a line (UTF-8, optionally gzip-compressed):',
        '  {"message": "m-1", "channel": "sms"|"email", "status": "DELIVERED",',
        '   "id"?: "provider event id", "at"?: "2026-11-20T09:00:00Z" | epoch ms,',
        '   "detail"?: "the provider\'s own words"}',
        'Channels and statuses match in any letter case.',
        'Exit 1 when an event was rejected or a line was malformed; ignored',
        '(duplicate, late) events are normal. A progress line is drawn on stderr',
        'when it is a terminal.',
      ].join('\n'),
    )
    .argument('[file]', 'the log file, or - to read stdin')
    .option('--example', 'audit the example log shipped with the package')
    .addOption(policyOption())
    .addOption(channelsOption())
    .option('--json', 'print the summary as JSON')
    .option('--list <n>', 'how many malformed lines and rejected messages to list', count, 20)
    .option('--html <file>', 'also write the delivery report of the log as an HTML page')
    .action(async (file: string | undefined, options: { policy: Policy; json?: boolean; list: number; html?: string; example?: boolean; channels?: string }) => {
      if (options.example === true && file !== undefined) throw new UsageError('give a file or --example, not both');
      if (options.example !== true && file === undefined) throw new UsageError("missing argument 'file' (or --example)");
      const channels = await loadChannels(io.cwd, options.channels);
      const [path, label] = options.example === true ? [exampleLog(), 'example: events.ndjson'] : [file as string, file as string];
      setCode(await runReplay(io, path, options.policy, options.json === true, options.list, options.html, channels.all, label));
    });

  const report = program
    .command('report')
    .description('delivery report of an event log or a store, as HTML or JSON')
    .addHelpText(
      'after',
      [
        '',
        'Per channel: the funnel, the lifecycle diagram with traffic, the time',
        'between statuses (median, p90, p99), failures by status and by the',
        'provider\'s "detail", and the rejected and malformed lines. The page is',
        'one self-contained file. A progress line is drawn on stderr when it is',
        'a terminal. With --database-url the figures come from the store',
        '(read only; --channel, --since and --until select messages). Exit 0',
        'once written, whatever the log holds; 1 when the store cannot be read.',
      ].join('\n'),
    )
    .argument('[file]', 'the log file, or - to read stdin')
    .addOption(policyOption())
    .option('-o, --out <file>', 'write the HTML page to a file (default: stdout, unless --json)')
    .option('--json', 'print the figures as JSON')
    .option('--database-url <url>', `report on a store instead of a log: ${URL_HELP}`);
  withStoreOptions(report, true)
    .option('--channel <name>', 'with --database-url: only this channel')
    .option('--since <time>', 'with --database-url: only messages recorded at or after (ISO 8601 or epoch ms)')
    .option('--until <time>', 'with --database-url: only messages recorded before')
    .addOption(channelsOption())
    .action(
      async (
        file: string | undefined,
        options: {
          policy: Policy;
          out?: string;
          json?: boolean;
          databaseUrl?: string;
          schema?: string;
          tablePrefix?: string;
          keyPrefix?: string;
          buckets?: number;
          channel?: string;
          since?: string;
          until?: string;
          channels?: string;
        },
      ) => {
        const channels = options.channels === undefined ? undefined : (await loadChannels(io.cwd, options.channels)).all;
        const store =
          options.databaseUrl === undefined
            ? undefined
            : {
                databaseUrl: options.databaseUrl,
                schema: options.schema,
                tablePrefix: options.tablePrefix,
                keyPrefix: options.keyPrefix,
                buckets: options.buckets,
                channel: options.channel,
                since: epochOrIso(options.since),
                until: epochOrIso(options.until),
              };
        setCode(await runReport(io, { file, policy: options.policy, out: options.out, json: options.json === true, store, ...(channels === undefined ? {} : { channels }) }));
      },
    );

  const expire = program
    .command('expire')
    .description('expire due messages in a PostgreSQL or Redis store (for cron)')
    .addHelpText(
      'after',
      [
        '',
        'Moves every message whose timer is due (SMS SUBMITTED past its validity)',
        "to the timer's status; safe beside running services and other sweeps.",
        'The URL picks the engine: postgres:// (anything pg reads), redis://',
        'and rediss:// (one Redis), redis+cluster:// and rediss+cluster://',
        '(seed nodes of a Redis Cluster, comma-separated). Exit 1 when the store',
        'cannot be reached within 10 s or refuses; the URL is never printed.',
        'A PostgreSQL store must have been migrated by the service.',
      ].join('\n'),
    )
    .addOption(new Option('--database-url <url>', URL_HELP).env('DATABASE_URL').makeOptionMandatory())
    .option('--limit <n>', 'move at most n messages, earliest deadlines first', positive);
  withStoreOptions(expire, false)
    .option('--json', 'print { count, messageIds } as JSON')
    .action(async (options: { databaseUrl: string; limit?: number; schema?: string; tablePrefix?: string; keyPrefix?: string; buckets?: number; json?: boolean }) =>
      setCode(await runExpire(io, { ...options, json: options.json === true })),
    );

  return program;
}

/**
 * Runs the command line `argv` (without `node` and the script) and resolves
 * to its exit code; never rejects for bad input and never calls
 * `process.exit`. Output goes to `io`.
 *
 * @example
 * const code = await run(['check', 'sms', 'SUBMITTED', 'DELIVERED'], io)
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let code: number = EXIT.ok;
  // With --json, a usage error is a JSON object on stdout (commander's own text is kept off stderr).
  const json = argv.includes('--json') && !argv.includes('--help') && !argv.includes('-h');
  const program = buildProgram(
    io,
    (c) => {
      code = c;
    },
    json,
  );
  try {
    if (argv.length === 0) {
      program.outputHelp({ error: true });
      return EXIT.usage;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return EXIT.ok;
      if (json) writeJsonError(io, error.code.replace(/^commander\./, ''), error.message.replace(/^error: /, ''));
      return EXIT.usage;
    }
    const missing = isLifecycleError(error) && error.code === 'missing_dependency';
    if (error instanceof UsageError || missing) {
      if (json) writeJsonError(io, missing ? 'missing_dependency' : 'usage', (error as Error).message);
      else io.stderr.write(`error: ${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
}

/** What `--json` prints on stdout for a usage error (exit 2). */
export interface JsonError {
  readonly error: { readonly code: string; readonly message: string; readonly exitCode: number };
}

function writeJsonError(io: CliIo, code: string, message: string): void {
  const body: JsonError = { error: { code, message, exitCode: EXIT.usage } };
  io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
}
