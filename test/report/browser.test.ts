/**
 * The report page in a real browser: Debian's Chromium (`.ci/run` installs
 * it; nothing is downloaded) driven by playwright-core. The page is made by
 * the built CLI, as a user makes it, and its numbers are checked against
 * the CLI's `--json` figures of the same log.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import type { DeliveryReport } from '../../src/report';
import { messyLog } from '../support/report-oracle';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'cli.js');
const TMP = mkdtempSync(join(tmpdir(), 'delivery-report-browser-'));
const CHROMIUM = '/usr/bin/chromium';

/** The flags the issue asks for; the user data dir is a fresh one per run. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function cli(args: string[]): string {
  const child = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000, maxBuffer: 1 << 30 });
  if (child.status !== 0) throw new Error(`cli ${args.join(' ')} exited ${String(child.status)}: ${child.stderr}`);
  return child.stdout;
}

let context: BrowserContext;

beforeAll(async () => {
  context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'delivery-report-profile-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1100, height: 900 },
  });
}, 60_000);

afterAll(async () => {
  await context?.close();
});

/** What the page should show for each `data-figure` name, from the JSON figures (the naming is the page's contract). */
function expectedFigures(report: DeliveryReport): Map<string, number | null> {
  const out = new Map<string, number | null>();
  for (const c of report.channels) {
    const n = c.channel;
    out.set(`${n}.started`, c.started);
    for (const f of c.funnel) {
      out.set(`${n}.funnel.${f.status}.reached`, f.reached);
      out.set(`${n}.funnel.${f.status}.share`, f.share);
      out.set(`${n}.funnel.${f.status}.implied`, f.implied);
    }
    for (const f of c.final) {
      out.set(`${n}.final.${f.status}.count`, f.count);
      out.set(`${n}.final.${f.status}.share`, f.share);
    }
    for (const t of c.transitions) {
      out.set(`${n}.transition.${t.from}.${t.to}.count`, t.count);
      out.set(`${n}.transition.${t.from}.${t.to}.implied`, t.implied);
    }
    for (const t of c.timings) {
      const k = `${n}.timing.${t.from}.${t.to}`;
      out.set(`${k}.count`, t.count);
      out.set(`${k}.negative`, t.negative);
      for (const q of ['median', 'p90', 'p99', 'min', 'max'] as const) out.set(`${k}.${q}`, t[q]);
    }
    for (const f of c.failures.byStatus) {
      out.set(`${n}.failure.${f.status}.count`, f.count);
      out.set(`${n}.failure.${f.status}.share`, f.share);
    }
    c.failures.byDetail.slice(0, 20).forEach((d, i) => out.set(`${n}.detail.${i}`, d.count));
    const rest = c.failures.byDetail.slice(20).reduce((s, d) => s + d.count, 0) + c.failures.otherDetails;
    if (rest > 0) out.set(`${n}.detail.rest`, rest);
    if (c.failures.withoutDetail > 0) out.set(`${n}.detail.none`, c.failures.withoutDetail);
  }
  const x = report.contradictions;
  out.set('contradictions.rejected', x.rejected);
  out.set('contradictions.malformed', x.malformed);
  out.set('contradictions.duplicate', x.ignored.duplicate);
  out.set('contradictions.stale', x.ignored.stale);
  for (const [code, count] of Object.entries(x.byCode)) if (count > 0) out.set(`contradictions.byCode.${code}`, count);
  return out;
}

interface Shown {
  figure: string;
  text: string;
  kind: string | null;
  ms: string | null;
}

async function openReport(log: string, name: string, screenshot: string): Promise<void> {
  const html = join(TMP, `${name}.html`);
  cli(['report', log, '--out', html]);
  const report = JSON.parse(cli(['report', log, '--json'])) as DeliveryReport;

  const page = await context.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('request', (request) => {
    if (request.url() !== `file://${html}`) requests.push(request.url());
  });
  await page.goto(`file://${html}`, { waitUntil: 'load' });

  const shown = await page.$$eval('[data-figure]', (cells) =>
    cells.map((cell) => ({
      figure: cell.getAttribute('data-figure') ?? '',
      text: (cell.textContent ?? '').trim(),
      kind: cell.getAttribute('data-kind'),
      ms: cell.getAttribute('data-ms'),
    })),
  );
  const expected = expectedFigures(report);
  const byName = new Map<string, Shown>();
  for (const s of shown.filter((s) => !s.figure.includes('.bar'))) byName.set(s.figure, s);
  // Every figure of the JSON is on the page, and shows the same number.
  expect([...expected.keys()].filter((k) => !byName.has(k))).toEqual([]);
  const wrong: string[] = [];
  for (const [figure, value] of expected) {
    const s = byName.get(figure)!;
    if (s.kind === 'share') {
      const text = `${(Math.round((value as number) * 1000) / 10).toFixed(1)} %`;
      if (s.text !== text) wrong.push(`${figure}: shows ${s.text}, JSON ${String(value)}`);
    } else if (s.kind === 'duration') {
      if ((value === null ? null : Number(s.ms)) !== value || s.text === '') wrong.push(`${figure}: shows ${s.text} (${String(s.ms)}), JSON ${String(value)}`);
    } else if (Number(s.text.replace(/,/g, '')) !== value) wrong.push(`${figure}: shows ${s.text}, JSON ${String(value)}`);
  }
  expect(wrong).toEqual([]);
  // Each histogram's table adds up to its pair's count.
  for (const c of report.channels) {
    for (const t of c.timings) {
      const bars = shown.filter((s) => s.figure === `${c.channel}.timing.${t.from}.${t.to}.bar`).map((s) => Number(s.text.replace(/,/g, '')));
      if (t.count > 0) expect(bars.reduce((a, b) => a + b, 0)).toBe(t.count);
    }
  }
  // A diagram per channel, drawn inline.
  expect(await page.locator('svg.traffic').count()).toBe(report.channels.length);

  await page.screenshot({ path: screenshot, fullPage: true });
  // The top of the page (header, figures, funnel, diagram): what the README shows.
  await page.screenshot({ path: screenshot.replace(/\.png$/, '-top.png'), fullPage: true, clip: { x: 0, y: 0, width: 1100, height: 1750 } });

  // Phone width: nothing wider than the screen (tables scroll in their own boxes).
  await page.setViewportSize({ width: 390, height: 800 });
  expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
  // Print: the navigation is dropped, the content stays.
  await page.emulateMedia({ media: 'print' });
  expect(await page.locator('nav.toc').isVisible()).toBe(false);
  expect(await page.locator('table.funnel').first().isVisible()).toBe(true);

  expect(problems).toEqual([]);
  expect(requests).toEqual([]);
  await page.close();
}

test('the report of examples/events.ndjson shows the --json figures, offline and without errors', async () => {
  const shot = join(TMP, 'report-examples.png');
  await openReport('examples/events.ndjson', 'examples', shot); // relative to the CLI's cwd: the page names it so
  // `UPDATE_REPORT_SCREENSHOT=1 npx jest test/report/browser.test.ts` refreshes the README's picture.
  if (process.env.UPDATE_REPORT_SCREENSHOT === '1') copyFileSync(shot.replace(/\.png$/, '-top.png'), join(ROOT, 'docs', 'report.png'));
  expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
}, 180_000);

test('the report of a 100,000-message log shows the --json figures, offline and without errors', async () => {
  const log = join(TMP, 'large.ndjson');
  writeFileSync(log, `${messyLog(12, 100_000).join('\n')}\n`);
  const shot = join(TMP, 'report-large.png');
  await openReport(log, 'large', shot);
  rmSync(log);
  expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
}, 300_000);
