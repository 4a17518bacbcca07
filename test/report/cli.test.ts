import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../scripts/docs';
import type { DeliveryReport } from '../../src/report';
import { messyLog } from '../support/report-oracle';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'cli.js');
const TMP = mkdtempSync(join(tmpdir(), 'delivery-report-cli-'));
const EXAMPLE = join(ROOT, 'examples', 'events.ndjson');

/** Runs the built bin as a user would: a child process, no TTY. */
function cli(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, input, encoding: 'utf8', timeout: 120_000 });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
}

describe('report', () => {
  test('--json prints the figures and exits 0, whatever the log holds', () => {
    const { code, stdout, stderr } = cli(['report', EXAMPLE, '--json']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const report = JSON.parse(stdout) as DeliveryReport;
    expect(report.format).toBe('delivery-report/1');
    expect(report.channels.map((c) => c.channel)).toEqual(['sms', 'email']);
    // The example holds rejected and malformed lines: figures, not an error.
    expect(report.contradictions.rejected).toBeGreaterThan(0);
    expect(report.contradictions.malformed).toBeGreaterThan(0);
  });

  test('stdin (-) gives the same figures as the file', () => {
    const fromFile = cli(['report', EXAMPLE, '--json']).stdout;
    const fromStdin = cli(['report', '-', '--json'], readFileSync(EXAMPLE, 'utf8')).stdout;
    expect(fromStdin).toBe(fromFile);
  });

  test('--out writes one self-contained page and prints nothing', () => {
    const out = join(TMP, 'report.html');
    const { code, stdout } = cli(['report', EXAMPLE, '--out', out]);
    expect({ code, stdout }).toEqual({ code: 0, stdout: '' });
    const html = readFileSync(out, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain("default-src 'none'");
    // Nothing to fetch: no script, stylesheet, image or frame from anywhere.
    expect(html).not.toMatch(/<script|<link|<img|<iframe|url\(|@import|(?:src|href)="(?:https?:)?\/\//i);
    expect(html.match(/<svg class="traffic"|<svg role="img" class="traffic"/g)).toHaveLength(2);
  });

  test('without --out or --json the page goes to stdout', () => {
    const { code, stdout } = cli(['report', EXAMPLE]);
    expect(code).toBe(0);
    expect(stdout.startsWith('<!doctype html>')).toBe(true);
  });

  test('--out and --json together write the page and print the JSON', () => {
    const out = join(TMP, 'both.html');
    const { code, stdout } = cli(['report', EXAMPLE, '--out', out, '--json']);
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as DeliveryReport).format).toBe('delivery-report/1');
    expect(readFileSync(out, 'utf8')).toContain('<h2>sms</h2>');
  });

  test.each([
    ['no file', ['report']],
    ['a missing file', ['report', 'no/such.ndjson']],
    ['a directory', ['report', 'docs']],
    ['an unwritable --out', ['report', EXAMPLE, '--out', join(TMP, 'no', 'such', 'dir', 'r.html')]],
    ['a bad policy', ['report', EXAMPLE, '--policy', 'lenient']],
  ])('%s exits 2 with a message on stderr only', (_, args) => {
    const { code, stdout, stderr } = cli(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/error/);
  });

  test('a terminal gets a progress line on stderr; stdout stays the JSON', async () => {
    const log = join(TMP, 'long.ndjson');
    writeFileSync(log, `${messyLog(3, 3000).join('\n')}\n`);
    const { code, stdout, stderr } = await runCli(['report', log, '--json'], { stderrIsTTY: true });
    expect(code).toBe(0);
    expect(stderr).toMatch(/\r\[[#.]+\] \d+% {2}\d+ lines/);
    expect((JSON.parse(stdout) as DeliveryReport).lines).toBeGreaterThan(4096);
    const quiet = await runCli(['report', log, '--json']);
    expect(quiet.stderr).toBe('');
  });
});

describe('replay --html', () => {
  test('writes the same page as report --out, and still prints the audit and its exit code', () => {
    const viaReplay = join(TMP, 'replay.html');
    const viaReport = join(TMP, 'report-same.html');
    const replay = cli(['replay', EXAMPLE, '--html', viaReplay]);
    expect(replay.code).toBe(1); // the example has rejected events: the audit fails as before
    expect(replay.stdout).toContain('Final statuses');
    expect(cli(['report', EXAMPLE, '--out', viaReport]).code).toBe(0);
    expect(readFileSync(viaReplay, 'utf8')).toBe(readFileSync(viaReport, 'utf8'));
  });

  test('with --json the summary is the plain replay summary', () => {
    const plain = cli(['replay', EXAMPLE, '--json']).stdout;
    const withHtml = cli(['replay', EXAMPLE, '--json', '--html', join(TMP, 'x.html')]).stdout;
    expect(withHtml).toBe(plain);
  });
});
