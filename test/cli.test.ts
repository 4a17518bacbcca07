import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toMermaid } from '../src/diagram';
import { runCli } from '../scripts/docs';
import { SPEC, legalFrom } from './support/lifecycle-md';

const ROOT = join(__dirname, '..');
const BIN = join(ROOT, 'dist', 'cli.js');
const TMP = mkdtempSync(join(tmpdir(), 'delivery-lifecycle-cli-'));

/** Runs the built bin as a user would: a child process, no TTY. */
function cli(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, input, encoding: 'utf8', timeout: 60_000 });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
}

function json(args: string[], input?: string): { code: number | null; body: Record<string, unknown> } {
  const result = cli(args, input);
  return { code: result.code, body: JSON.parse(result.stdout) as Record<string, unknown> };
}

const ev = (message: string, channel: string, status: string, id?: string): string => JSON.stringify({ message, channel, status, ...(id ? { id } : {}) });

function writeLog(name: string, lines: string[]): string {
  const path = join(TMP, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

describe('help and usage errors', () => {
  test('--help lists every command and exits 0', () => {
    const { code, stdout } = cli(['--help']);
    expect(code).toBe(0);
    for (const command of ['statuses', 'check', 'diagram', 'replay']) expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  test.each(['statuses', 'check', 'diagram', 'replay'])('%s --help exits 0 with its usage', (command) => {
    const { code, stdout } = cli([command, '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: delivery-lifecycle ${command} [options]`);
  });

  test.each([
    ['no command', []],
    ['an unknown command', ['send', 'sms']],
    ['an unknown option', ['statuses', 'sms', '--colour']],
    ['an unknown channel', ['statuses', 'fax']],
    ['an unknown channel in check', ['check', 'whatsapp', 'SUBMITTED', 'DELIVERED']],
    ['a missing argument', ['check', 'sms', 'SUBMITTED']],
    ['a bad policy', ['check', 'sms', 'SUBMITTED', 'DELIVERED', '--policy', 'lenient']],
    ['a bad format', ['diagram', 'sms', '--format', 'png']],
    ['a bad delay', ['diagram', 'sms', '--delay', 'validity=soon']],
    ['a missing file', ['replay', 'no/such/file.ndjson']],
    ['a directory', ['replay', 'docs']],
  ])('%s exits 2 with a message on stderr only', (_, args) => {
    const { code, stdout, stderr } = cli(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.length).toBeGreaterThan(0);
  });

  test('an unknown channel is named in the error', () => {
    expect(cli(['statuses', 'fax']).stderr).toMatch(/"fax".*sms, email/);
  });
});

describe('statuses', () => {
  test.each(['sms', 'email'] as const)('%s --json: the catalog with initial, final and next statuses of LIFECYCLE.md', (channel) => {
    const spec = SPEC[channel];
    const { code, body } = json(['statuses', channel, '--json']);
    expect(code).toBe(0);
    const statuses = body.statuses as { status: string; description: string; initial: boolean; final: boolean; next: string[] }[];
    expect(statuses.map((s) => s.status).sort()).toEqual([...spec.statuses].sort());
    for (const s of statuses) {
      expect(s.initial).toBe(s.status === spec.initial);
      expect(s.final).toBe(spec.final.includes(s.status));
      expect([...s.next].sort()).toEqual(legalFrom(spec, s.status).sort());
      expect(s.description).not.toBe('');
    }
  });

  test('text output names each status with its meaning and the 48 h timer', () => {
    const { code, stdout } = cli(['statuses', 'sms']);
    expect(code).toBe(0);
    for (const status of SPEC.sms.statuses) expect(stdout).toMatch(new RegExp(`^${status}( \\(|$)`, 'm'));
    expect(stdout).toContain('EXPIRED by itself after 48 h');
  });
});

describe('check', () => {
  // Expected decisions written from LIFECYCLE.md's ordering table.
  test.each([
    ['sms', 'SUBMITTED', 'DELIVERED', 'tolerant', 0, 'applied', undefined, []],
    ['email', 'SUBMITTED', 'OPEN', 'tolerant', 0, 'applied', 'skipped', ['DELIVERED']],
    ['email', 'SUBMITTED', 'OPEN', 'strict', 1, 'rejected', 'skipped', ['DELIVERED']],
    ['sms', 'DELIVERED', 'SUBMITTED', 'tolerant', 0, 'ignored', 'stale', []],
    ['email', 'DEFERRED', 'DEFERRED', 'strict', 0, 'applied', undefined, []],
    ['sms', 'SUBMITTED', 'SUBMITTED', 'tolerant', 0, 'ignored', 'duplicate', []],
    ['email', 'REJECTED', 'DELIVERED', 'tolerant', 1, 'rejected', 'from_final', []],
    ['email', 'DELIVERED', 'REJECTED', 'tolerant', 1, 'rejected', 'illegal_transition', []],
    ['email', 'SUBMITTED', 'EXPIRED', 'tolerant', 1, 'rejected', 'inapplicable_status', []],
    ['sms', 'SUBMITTED', 'BOUNCED', 'tolerant', 1, 'rejected', 'unknown_status', []],
    ['sms', 'SENT', 'DELIVERED', 'tolerant', 1, 'rejected', 'unknown_status', []],
  ] as const)('%s %s → %s (%s): exit %i, %s %s', (channel, from, to, policy, exit, decision, code, implied) => {
    const result = json(['check', channel, from, to, '--policy', policy, '--json']);
    expect(result.code).toBe(exit);
    expect(result.body).toMatchObject({ channel, policy, ok: exit === 0, decision, implied });
    expect(result.body.code).toBe(code);
  });

  test('status names are read in any letter case', () => {
    const { code, stdout } = cli(['check', 'email', ' delivered', 'open']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^applied: /);
  });

  test('text output states the decision and the reason code', () => {
    const { stdout } = cli(['check', 'email', 'SUBMITTED', 'CLICKED']);
    expect(stdout).toMatch(/^applied \(skipped\): .*\n {2}implies: DELIVERED\n$/);
  });
});

describe('diagram', () => {
  test('prints Mermaid by default, exactly what the library renders', () => {
    const { code, stdout } = cli(['diagram', 'email']);
    expect(code).toBe(0);
    expect(stdout).toBe(toMermaid('email'));
  });

  test('--delay relabels the timer', () => {
    expect(cli(['diagram', 'sms', '--format', 'dot', '--delay', 'validity=90min']).stdout).toContain('label="after 90 min"');
  });

  test.each([
    ['svg', /^<\?xml[\s\S]*<svg[\s\S]*<\/svg>\s*$/],
    ['dot', /^digraph "sms" \{[\s\S]*\}\n$/],
    ['md', /^\| status \| may be followed by \| meaning \|\n/],
    ['mermaid', /^stateDiagram-v2\n/],
  ])('-o writes %s to a file and prints nothing', (format, shape) => {
    const file = join(TMP, `sms.${format}`);
    const { code, stdout } = cli(['diagram', 'sms', '--format', format, '-o', file]);
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(readFileSync(file, 'utf8')).toMatch(shape);
  });
});

describe('replay', () => {
  const clean = [
    ev('e1', 'email', 'OPEN', 'x1'),
    ev('e1', 'email', 'DELIVERED', 'x2'), // late: ignored
    ev('e1', 'email', 'OPEN', 'x1'), // same event again: ignored
    ev('s1', 'sms', 'SUBMITTED'),
    ev('s1', 'sms', 'DELIVERED'),
  ];

  test('a log with only applied and ignored events exits 0, with totals and counts', () => {
    const { code, body } = json(['replay', writeLog('clean.ndjson', clean), '--json']);
    expect(code).toBe(0);
    expect(body).toMatchObject({
      lines: 5,
      events: 5,
      messages: 2,
      counts: { applied: { total: 3, legal: 2, skipped: 1 }, ignored: { total: 2, duplicate: 1, stale: 1 }, rejected: { total: 0 } },
      malformed: { count: 0 },
    });
    expect((body.statuses as Record<string, Record<string, number>>).email.OPEN).toBe(1);
    expect((body.statuses as Record<string, Record<string, number>>).sms.DELIVERED).toBe(1);
  });

  test('a rejected event makes exit 1 and names the message', () => {
    const { code, stdout } = cli(['replay', writeLog('rejected.ndjson', [...clean, ev('s1', 'sms', 'FAILED')])]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/Messages with rejected events: 1\n {2}s1 \(sms\) line 6: FAILED while DELIVERED: from_final/);
  });

  test('--policy strict rejects the early event the tolerant default applies', () => {
    const { code, body } = json(['replay', writeLog('clean2.ndjson', clean), '--policy', 'strict', '--json']);
    expect(code).toBe(1);
    // e1: OPEN is early (rejected), so the DELIVERED after it is a legal step; x1 again is a known event id.
    expect(body.counts).toMatchObject({ applied: { total: 3, legal: 3, skipped: 0 }, ignored: { total: 1, duplicate: 1 }, rejected: { total: 1, skipped: 1 } });
  });

  test('malformed lines are reported with their line numbers, exit 1, and the rest is processed', () => {
    const { code, stdout } = cli(['replay', writeLog('malformed.ndjson', [clean[3], '{"message":', ev('x', 'fax', 'SENT'), clean[4]])]);
    expect(code).toBe(1);
    expect(stdout).toContain('Malformed lines: 2\n  line 2: not valid JSON\n  line 3: unknown channel fax\n');
    expect(stdout).toMatch(/sms +DELIVERED +1\n/);
  });

  test('reads stdin for "-", with the same result as the file', () => {
    const fromFile = json(['replay', writeLog('same.ndjson', clean), '--json']);
    const fromStdin = json(['replay', '-', '--json'], `${clean.join('\n')}\n`);
    expect(fromStdin.code).toBe(0);
    expect({ ...fromStdin.body, file: 'x' }).toEqual({ ...fromFile.body, file: 'x' });
  });

  test('the built-in example log: both channels, exit 1 for its rejected events and malformed lines', () => {
    const { code, body } = json(['replay', 'examples/events.ndjson', '--json']);
    expect(code).toBe(1);
    const malformed = body.malformed as { count: number; lines: { line: number }[] };
    expect(malformed.lines.map((m) => m.line)).toEqual([23, 32]);
    const rejected = (body.rejectedMessages as { messages: { message: string; code: string }[] }).messages;
    expect(rejected.map((m) => [m.message, m.code]).sort()).toEqual([
      ['em-2006', 'from_final'],
      ['em-2007', 'illegal_transition'],
      ['em-2008', 'unknown_status'],
      ['sms-1007', 'from_final'],
      ['sms-1008', 'inapplicable_status'],
    ]);
    const counts = body.counts as Record<string, Record<string, number>>;
    expect(counts.applied.skipped).toBeGreaterThan(0);
    expect(counts.ignored.duplicate).toBeGreaterThan(0);
    expect(counts.ignored.stale).toBeGreaterThan(0);
  });

  test('writes nothing to stderr when stderr is not a terminal', () => {
    const big = Array.from({ length: 10_000 }, (_, i) => ev(`m${i % 300}`, 'sms', i < 5000 ? 'SUBMITTED' : 'DELIVERED'));
    const { code, stderr } = cli(['replay', writeLog('big.ndjson', big)]);
    expect(code).toBe(0);
    expect(stderr).toBe('');
  });

  test('draws a progress line on a terminal stderr, and erases it at the end', async () => {
    const big = Array.from({ length: 10_000 }, (_, i) => ev(`m${i % 300}`, 'sms', i < 5000 ? 'SUBMITTED' : 'DELIVERED'));
    const file = writeLog('big-tty.ndjson', big);
    const { code, stdout, stderr } = await runCli(['replay', file], { stderrIsTTY: true });
    expect(code).toBe(0);
    expect(stderr).toMatch(/^\r\[#*\.*\] \d+% {2}4096 lines/);
    expect(stderr.endsWith('\r\x1b[K')).toBe(true);
    expect(stdout).not.toContain('\r');
  });
});

describe('the package keeps optional parts out of the core', () => {
  test('the core build never mentions Graphviz or commander; the diagram build imports Graphviz only lazily', () => {
    const dist = join(ROOT, 'dist');
    const read = (file: string) => readFileSync(join(dist, file), 'utf8');
    const chunksOf = (file: string): string[] => [...read(file).matchAll(/(?:require\(|from |import\()["']\.\/([^"']+)["']/g)].map((m) => m[1]);
    for (const entry of ['index.js', 'index.mjs']) {
      for (const file of [entry, ...chunksOf(entry)]) {
        expect(read(file)).not.toMatch(/@viz-js|commander/);
      }
    }
    for (const entry of ['diagram.js', 'diagram.mjs']) {
      const texts = [entry, ...chunksOf(entry)].map(read);
      expect(texts.some((text) => text.includes("import('@viz-js/viz')"))).toBe(true);
      for (const text of texts) expect(text).not.toMatch(/require\(["']@viz-js|from ["']@viz-js|^import ["']@viz-js/m);
    }
    expect(readdirSync(dist)).toContain('cli.js');
    expect(read('cli.js').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  test('requiring the core loads neither Graphviz nor commander', () => {
    const child = spawnSync(process.execPath, ['-e', "require('./dist/index.js'); console.log(JSON.stringify(Object.keys(require.cache)))"], { cwd: ROOT, encoding: 'utf8' });
    const loaded = JSON.parse(child.stdout) as string[];
    expect(loaded.some((path) => path.includes('index.js'))).toBe(true);
    expect(loaded.filter((path) => /@viz-js|commander/.test(path))).toEqual([]);
  });
});

describe('expire (PostgreSQL; the run against a real server is in test/postgres/server.test.ts)', () => {
  test('needs --database-url (or DATABASE_URL) and a positive --limit: exit 2', async () => {
    const saved = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    try {
      const missing = await runCli(['expire']);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/--database-url/);
    } finally {
      if (saved !== undefined) process.env.DATABASE_URL = saved;
    }
    for (const limit of ['0', '-1', 'ten', '1.5']) {
      const bad = await runCli(['expire', '--database-url', 'postgres://u@127.0.0.1:1/x', '--limit', limit]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--limit/);
    }
    const badSchema = await runCli(['expire', '--database-url', 'postgres://u@127.0.0.1:1/x', '--schema', 'Bad"Name']);
    expect(badSchema.code).toBe(2);
  });

  test('a database it cannot reach: exit 1, and the password is not printed', async () => {
    const { code, stdout, stderr } = await runCli(['expire', '--database-url', 'postgres://user:s3cret-pw@127.0.0.1:1/db']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^error: expiry failed: /);
    expect(stderr).not.toMatch(/s3cret-pw/);
  });

  test('--help explains it and exits 0', async () => {
    const { code, stdout } = await runCli(['expire', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/--database-url <url>/);
    expect(stdout).toMatch(/--limit <n>/);
  });
});
