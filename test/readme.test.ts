/**
 * README.md is documentation users copy from: its rule tables must match the
 * machines and its quick start must run and print what it says.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import * as library from '../src';
import * as machinesEntry from '../src/machines';
import { TRANSITION_CODES, initialStatus, isFinal, nextStatuses, statusesFor, type Channel } from '../src';

const ROOT = join(__dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The text under a heading, up to the next heading of the same or a higher level. */
function section(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.trim() === heading);
  if (start < 0) throw new Error(`README has no heading ${heading}`);
  const level = heading.indexOf(' ');
  const end = lines.findIndex((line, i) => i > start && /^#+ /.test(line) && line.indexOf(' ') <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

function codeBlock(text: string, lang: string): string {
  const match = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(text);
  if (!match) throw new Error(`no ${lang} block`);
  return match[1];
}

const CHANNEL_HEADINGS: Record<string, Channel> = { SMS: 'sms', 'E-mail': 'email' };

describe('the transition rules in README.md match the machines', () => {
  const rules = section(README, '## Transition rules');
  const headings = [...rules.matchAll(/^### (SMS|E-mail) \(initial status ([A-Z]+)\)$/gm)];

  test('both channels have a rules table', () => {
    expect(headings.map((m) => CHANNEL_HEADINGS[m[1]]).sort()).toEqual(['email', 'sms']);
  });

  test.each(Object.entries(CHANNEL_HEADINGS))('%s', (title, channel) => {
    const heading = headings.find((m) => m[1] === title) as RegExpMatchArray;
    expect(heading[2]).toBe(initialStatus(channel));
    const table = section(rules, heading[0]);
    const rows = table
      .split('\n')
      .filter((line) => /^\| [A-Z]+ \|/.test(line))
      .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()));
    expect(rows.map(([from]) => from)).toEqual(statusesFor(channel));
    for (const [from, next] of rows) {
      const final = next === '(final)';
      expect({ from, final }).toEqual({ from, final: isFinal(channel, from as never) });
      const listed = final ? [] : next.split(',').map((s) => s.trim());
      expect({ from, next: [...listed].sort() }).toEqual({ from, next: [...nextStatuses(channel, from as never)].sort() });
    }
  });

  test('the code table lists every code, in the order they are checked', () => {
    const codes = [...section(rules, '### How a report relates to the current status').matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
    expect(codes).toEqual(TRANSITION_CODES);
  });
});

test('the quick start runs and prints what its comments say', () => {
  const source = codeBlock(section(README, '## Quick start'), 'ts');
  const expected = [...source.matchAll(/\/\/=> (.*)$/gm)].map((m) => m[1].trim());
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } });
  const printed: string[] = [];
  const fakeConsole = { log: (...values: unknown[]) => printed.push(values.map((v) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v).replace(/"/g, "'").replace(/,/g, ', '))).join(' ')) };
  const fakeRequire = (name: string) => {
    if (name !== 'delivery-lifecycle') throw new Error(`the quick start imports ${name}`);
    return library;
  };
  new Function('require', 'exports', 'console', outputText)(fakeRequire, {}, fakeConsole);
  expect(expected.length).toBeGreaterThan(2);
  expect(printed).toEqual(expected);
});

test(".ci/run runs exactly the README's contributor install and test commands", () => {
  const readme = codeBlock(section(README, '### Contributing'), 'sh')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean);
  const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8')
    .split('\n')
    .filter((line) => /^npm /.test(line));
  // Install and test exactly as the README says, in that order; besides them CI only smoke-runs the benchmarks.
  const [setup, extra] = [ci.filter((line) => !line.startsWith('npm run ')), ci.filter((line) => line.startsWith('npm run '))];
  expect(setup.map((line) => line.split(' ').slice(0, 2).join(' '))).toEqual(readme);
  expect(extra).toEqual(['npm run bench -- --smoke', 'npm run bench:redis -- --smoke']);
});

test('the API reference names every function the issue fixes', () => {
  const api = section(README, '## API reference');
  const values = [
    'CHANNELS', 'STATUSES', 'smsMachine', 'emailMachine', 'machineFor', 'statusesFor', 'isApplicable', 'initialStatus',
    'isFinal', 'nextStatuses', 'describeStatus', 'canTransition', 'checkTransition', 'assertTransition', 'LifecycleError',
    'isLifecycleError', 'parseStatus', 'applyStatus', 'reconcile',
  ];
  for (const name of [...values, 'Channel', 'Status', 'TransitionCode']) expect(api).toMatch(new RegExp('`' + name + '\\b'));
  const fromMachines = new Set(['smsMachine', 'emailMachine', 'machineFor']);
  for (const name of values) expect(fromMachines.has(name) ? machinesEntry : library).toHaveProperty(name);
  for (const name of fromMachines) expect(library).not.toHaveProperty(name);
});
