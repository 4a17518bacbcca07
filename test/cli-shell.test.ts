/**
 * The command line as people use it in a shell: pipes, --version, --json
 * errors, letter case, odd input files, --delay mistakes, custom channels.
 * Runs the built bin as a child process (test/global-setup.ts builds dist).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const ROOT = join(__dirname, '..');
const BIN = join(ROOT, 'dist', 'cli.js');
const TMP = mkdtempSync(join(tmpdir(), 'delivery-lifecycle-shell-'));
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function cli(args: string[], input?: string | Buffer): { code: number | null; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, [BIN, ...args], { cwd: TMP, input, encoding: 'utf8', timeout: 60_000 });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
}

function file(name: string, content: string | Buffer): string {
  const path = join(TMP, name);
  writeFileSync(path, content);
  return path;
}

const ev = (message: string, channel: string, status: string): string => JSON.stringify({ message, channel, status });
const LOG = [ev('a', 'sms', 'SUBMITTED'), ev('a', 'sms', 'DELIVERED'), ev('b', 'email', 'SUBMITTED'), ev('b', 'email', 'OPEN')].join('\n') + '\n';

function summary(args: string[], input?: string | Buffer): { code: number | null; body: { lines: number; events: number; malformed: { count: number } } } {
  const result = cli([...args, '--json'], input);
  return { code: result.code, body: JSON.parse(result.stdout) as never };
}

describe('pipes', () => {
  test('a reader that closes early (| head -1) ends the run quietly, with the exit code of the run', () => {
    const many = file('many.ndjson', 'not json\n'.repeat(100_000));
    const child = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${BIN}" replay "${many}" --list 100000 | head -1`], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(child.stdout).toBe(`${many} (tolerant): 100000 lines, 0 events, 0 messages\n`);
    expect(child.stderr).toBe('');
    expect(child.status).toBe(1);
  });
});

describe('--version', () => {
  test.each([['--version'], ['-V']])('%s prints the package version and exits 0', (flag) => {
    expect(cli([flag])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });
});

describe('--json covers errors', () => {
  test.each([
    ['a missing file', ['replay', 'no-such.ndjson', '--json'], 'usage', /no-such\.ndjson/],
    ['an unknown channel', ['statuses', 'fax', '--json'], 'usage', /unknown channel "fax"/],
    ['an unknown option', ['check', 'sms', 'SUBMITTED', 'DELIVERED', '--json', '--colour'], 'unknownOption', /--colour/],
    ['a bad policy', ['replay', '-', '--policy', 'lenient', '--json'], 'invalidArgument', /lenient/],
    ['a missing argument', ['check', 'sms', 'SUBMITTED', '--json'], 'missingArgument', /to/],
  ])('%s: a JSON error object on stdout, nothing on stderr, exit 2', (_, args, code, message) => {
    const result = cli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('');
    const body = JSON.parse(result.stdout) as { error: { code: string; message: string; exitCode: number } };
    expect(body.error.code).toBe(code);
    expect(body.error.message).toMatch(message);
    expect(body.error.exitCode).toBe(2);
  });

  test('without --json the same error is text on stderr', () => {
    const result = cli(['replay', 'no-such.ndjson']);
    expect(result).toEqual({ code: 2, stdout: '', stderr: expect.stringMatching(/^error: cannot read no-such\.ndjson/) as unknown as string });
  });
});

describe('one letter-case rule for channels and statuses (parseStatus)', () => {
  test.each([
    ['check', ['check', 'SMS', 'submitted', 'Delivered']],
    ['statuses', ['statuses', 'Email']],
    ['diagram', ['diagram', 'SMS', '--format', 'dot']],
  ])('%s accepts any letter case', (_, args) => {
    const result = cli(args);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  test('check reports the exact names', () => {
    const body = JSON.parse(cli(['check', 'EMAIL', 'submitted', 'open', '--json']).stdout) as { channel: string; from: string; to: string };
    expect(body).toMatchObject({ channel: 'email', from: 'SUBMITTED', to: 'OPEN' });
  });

  test('replay reads channels and statuses in any letter case', () => {
    const log = [ev('a', 'SMS', 'submitted'), ev('a', 'sms', 'delivered'), ev('b', 'Email', 'Submitted')].join('\n');
    const { code, body } = summary(['replay', '-'], log);
    expect(body.malformed.count).toBe(0);
    expect(body).toMatchObject({ events: 3, counts: { rejected: { total: 0 } } });
    expect(code).toBe(0);
  });
});

describe('input files', () => {
  test('a UTF-8 byte-order mark on the first line is not part of the JSON', () => {
    const { code, body } = summary(['replay', file('bom.ndjson', `\uFEFF${LOG}`)]);
    expect(body.malformed.count).toBe(0);
    expect(body.events).toBe(4);
    expect(code).toBe(0);
  });

  test('gzip input (by its magic bytes, any name) reads as the plain log', () => {
    const plain = summary(['replay', file('plain.ndjson', LOG)]).body;
    const zipped = summary(['replay', file('zipped.log', gzipSync(LOG))]);
    expect(zipped.code).toBe(0);
    expect({ ...zipped.body, file: '' }).toEqual({ ...plain, file: '' });
    const piped = summary(['replay', '-'], gzipSync(LOG));
    expect(piped.body.events).toBe(4);
  });

  test('a corrupt gzip file is one error, exit 2', () => {
    const bad = gzipSync(LOG.repeat(50)).subarray(0, 60);
    const result = cli(['replay', file('cut.gz', bad)]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  test.each([
    ['an empty file', () => file('empty.ndjson', '')],
    ['an empty gzip file', () => file('empty.gz', gzipSync(''))],
  ])('%s is a clear error, exit 2', (_, make) => {
    const path = make();
    const result = cli(['replay', path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/is an empty (gzip )?file: no events to audit/);
  });

  test('a binary file is one error, not one per line', () => {
    const bytes = Buffer.alloc(100_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 256;
    const result = cli(['replay', file('data.bin', bytes)]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/binary/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('--delay', () => {
  test.each([
    ['a timer the channel does not have', ['diagram', 'sms', '--delay', 'expiry=24h'], /no timer "expiry" \(timers: validity\)/],
    ['a channel without timers', ['diagram', 'email', '--delay', 'validity=24h'], /email has no named timers/],
    ['a unit the help does not list', ['diagram', 'sms', '--delay', 'validity=1m'], /units? \(ms, s, min, h, d\)/],
    ['a number without a unit', ['diagram', 'sms', '--delay', 'validity=5000'], /units? \(ms, s, min, h, d\)/],
    ['the same timer twice', ['diagram', 'sms', '--delay', 'validity=1h', '--delay', 'validity=2h'], /validity is given twice/],
  ])('%s is a usage error (exit 2)', (_, args, message) => {
    const result = cli(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
  });

  test.each(['ms', 's', 'min', 'h', 'd'])('the listed unit %s is accepted', (unit) => {
    const result = cli(['diagram', 'sms', '--format', 'md', '--delay', `validity=90${unit}`]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});

describe('custom channels from a module (--channels)', () => {
  const definition = `{
    name: 'push',
    statuses: { queued: { description: 'Waiting.' }, shown: { description: 'Shown.', final: true }, failed: { description: 'Refused.', final: true } },
    initial: 'queued',
    transitions: { queued: ['shown', 'failed'] },
  }`;
  const esm = file('push.mjs', `import { defineChannel } from ${JSON.stringify(join(ROOT, 'dist', 'machines.mjs'))};\nexport const push = defineChannel(${definition});\n`);
  const cjs = file('push.cjs', `const { defineChannel } = require(${JSON.stringify(join(ROOT, 'dist', 'machines.js'))});\nmodule.exports = { push: defineChannel(${definition}) };\n`);

  test.each([
    ['an ES module', esm],
    ['a CommonJS module', cjs],
  ])('%s: check, statuses, diagram, replay and report know its channels, beside the built-in ones', (_, module) => {
    expect(cli(['check', 'PUSH', 'queued', 'SHOWN', '--channels', module])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^applied/) });
    expect(cli(['check', 'push', 'shown', 'failed', '--channels', module]).code).toBe(1);
    expect(JSON.parse(cli(['statuses', 'push', '--json', '--channels', module]).stdout)).toMatchObject({ channel: 'push', statuses: [{ status: 'queued' }, {}, {}] });
    expect(cli(['diagram', 'push', '--channels', module]).stdout).toMatch(/queued --> shown/);
    const log = [ev('p', 'push', 'shown'), ev('s', 'sms', 'DELIVERED')].join('\n');
    const { code, body } = summary(['replay', '-', '--channels', module], log);
    expect(body).toMatchObject({ events: 2, malformed: { count: 0 }, statuses: { push: { shown: 1 }, sms: { DELIVERED: 1 } } });
    expect(code).toBe(0);
    const report = cli(['report', '-', '--json', '--channels', module], log);
    const figures = JSON.parse(report.stdout) as { channels: { channel: string; started: number }[] };
    expect(figures.channels.filter((c) => c.started > 0).map((c) => c.channel).sort()).toEqual(['push', 'sms']);
    expect(report.code).toBe(0);
  });

  test('without --channels the custom channel is unknown', () => {
    expect(cli(['check', 'push', 'queued', 'shown'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown channel "push"/) });
  });

  test.each([
    ['a missing module', 'nothing-here.mjs', /cannot load channels from nothing-here\.mjs/],
    ['a module without channels', file('none.mjs', 'export const answer = 42;\n'), /exports no channel made with defineChannel/],
    ['a module that throws', file('throws.mjs', "throw new Error('boom');\n"), /boom/],
  ])('%s is a usage error (exit 2)', (_, module, message) => {
    const result = cli(['statuses', 'sms', '--channels', module]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});

describe('replay --example', () => {
  test('audits the example log shipped with the package, from any directory', () => {
    const result = cli(['replay', '--example']);
    expect(result.stdout).toMatch(/^example: events\.ndjson \(tolerant\): 43 lines, 41 events, 17 messages/);
    expect(result.code).toBe(1);
  });

  test('a file and --example together, or neither, is a usage error', () => {
    expect(cli(['replay', '--example', 'x.ndjson']).code).toBe(2);
    expect(cli(['replay']).stderr).toMatch(/missing argument 'file' \(or --example\)/);
  });
});
