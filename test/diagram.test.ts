import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { instance } from '@viz-js/viz';
import { assign, createMachine, initialTransition, setup } from 'xstate';
import { LifecycleError, lifecycleOf } from '../src';
import { compileLifecycle, machineFor } from '../src/machines';
import {
  extractDiagram,
  formatDelay,
  renderDotToSvg,
  toDot,
  toMarkdownTable,
  toMermaid,
  toSvg,
  type DiagramSource,
} from '../src/diagram';
import { CATALOG, SPEC, keys, legalFrom } from './support/lifecycle-md';

const CHANNELS = ['sms', 'email'] as const;

/**
 * A lifecycle that is neither built in nor Mermaid-friendly: a space, a Mermaid keyword, a literal delay,
 * and a counted repeat (targetless with an action: xstate takes it, unlike an empty `{}`).
 */
const pushMachine = setup({ types: { context: {} as { resends: number } } }).createMachine({
  id: 'push',
  initial: 'queued',
  context: { resends: 0 },
  states: {
    queued: { on: { 'sent out': { target: 'sent out' }, end: { target: 'end' } }, after: { 5_400_000: { target: 'end' } } },
    'sent out': { on: { done: { target: 'done' }, 'sent out': { actions: assign({ resends: ({ context }) => context.resends + 1 }) } } },
    end: { type: 'final' },
    done: { type: 'final' },
  },
});
const PUSH_EDGES: [string, string][] = [['queued', 'sent out'], ['queued', 'end'], ['sent out', 'done'], ['sent out', 'sent out']];

/** "a b" needs an alias, and the obvious one ("s0") is another state's name. */
const collideMachine = createMachine({
  id: 'collide',
  initial: 'a b',
  states: { 'a b': { on: { s0: { target: 's0' } } }, s0: { type: 'final' } },
});

interface Parsed {
  ok: boolean;
  error?: string;
  states: { id: string; descriptions: string[] }[];
  relations: { from: string; to: string; label: string }[];
}

/** Mermaid 11 is ESM-only and needs a DOM: parse in a child process (test/support/mermaid-parse.mjs). */
function parseMermaid(texts: string[]): Parsed[] {
  const child = spawnSync(process.execPath, [join(__dirname, 'support', 'mermaid-parse.mjs')], {
    input: JSON.stringify(texts),
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (child.status !== 0) throw new Error(`mermaid parser failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as Parsed[];
}

/** Mermaid keeps entity codes as placeholders until it renders; decode them back. */
const decode = (text: string): string => text.replace(/ﬂ°°(\d+)¶ß/g, (_, code: string) => String.fromCharCode(Number(code)));

/** The parsed diagram's edges, with aliases mapped back to status names and [*] to START/END. */
function parsedEdges(parsed: Parsed): { from: string; to: string; label: string }[] {
  const names = new Map<string, string>();
  for (const state of parsed.states) names.set(state.id, state.descriptions.length > 0 ? decode(state.descriptions[0]) : state.id);
  const name = (id: string): string => (/_start$/.test(id) ? 'START' : /_end$/.test(id) ? 'END' : (names.get(id) ?? id));
  return parsed.relations.map((r) => ({ from: name(r.from), to: name(r.to), label: decode(r.label) }));
}

describe('Mermaid output, read back by the real Mermaid parser', () => {
  const sources: [string, DiagramSource, object?][] = [
    ['sms', 'sms'],
    ['email', 'email'],
    ['sms, 24 h validity', 'sms', { delays: { validity: 24 * 3_600_000 } }],
    ['custom machine', pushMachine],
    ['alias collision', collideMachine],
  ];
  let parsed: Parsed[];
  beforeAll(() => {
    const texts = sources.map(([, source, options]) => toMermaid(source, options));
    // A control: the harness must be able to fail.
    texts.push('stateDiagram-v2\n    A --> : broken\n');
    parsed = parseMermaid(texts);
  }, 90_000);

  test('the parser rejects a broken diagram (the check can fail)', () => {
    expect(parsed[sources.length].ok).toBe(false);
  });

  test.each(CHANNELS.map((c, i) => [c, i] as const))('%s: a stateDiagram whose edges, start and ends are LIFECYCLE.md’s', (channel, i) => {
    const spec = SPEC[channel];
    expect(parsed[i]).toMatchObject({ ok: true, type: 'stateDiagram' });
    const edges = parsedEdges(parsed[i]);
    const transitions = edges.filter((e) => e.from !== 'START' && e.to !== 'END' && !e.label.startsWith('after'));
    expect(keys(transitions.map((e) => [e.from, e.to] as const))).toEqual(keys(spec.edges));
    expect(edges.filter((e) => e.from === 'START').map((e) => e.to)).toEqual([spec.initial]);
    expect(edges.filter((e) => e.to === 'END').map((e) => e.from).sort()).toEqual([...spec.final].sort());
    for (const e of transitions) expect(e.label).toBe(e.from === e.to ? 'repeat' : '');
  });

  test('the SMS timer edge reads "after 48 h", or the configured period, never the xstate event name', () => {
    const timed = (p: Parsed) => parsedEdges(p).filter((e) => e.label.startsWith('after'));
    expect(timed(parsed[0])).toEqual([{ from: 'SUBMITTED', to: 'EXPIRED', label: 'after 48 h' }]);
    expect(timed(parsed[2])).toEqual([{ from: 'SUBMITTED', to: 'EXPIRED', label: 'after 24 h' }]);
    expect(timed(parsed[1])).toEqual([]);
    for (const channel of CHANNELS) expect(toMermaid(channel)).not.toMatch(/xstate|\.after\./);
  });

  test('a custom xstate machine renders, odd state names aliased', () => {
    expect(parsed[3].ok).toBe(true);
    const edges = parsedEdges(parsed[3]);
    expect(keys(edges.filter((e) => e.from !== 'START' && e.to !== 'END' && e.label !== 'after 90 min').map((e) => [e.from, e.to] as const))).toEqual(keys(PUSH_EDGES));
    expect(edges).toContainEqual({ from: 'queued', to: 'end', label: 'after 90 min' });
    expect(edges).toContainEqual({ from: 'START', to: 'queued', label: '' });
    expect(edges.filter((e) => e.to === 'END').map((e) => e.from).sort()).toEqual(['done', 'end']);
  });

  test('an alias never collides with another state name', () => {
    expect(parsed[4].ok).toBe(true);
    expect(parsedEdges(parsed[4])).toEqual([
      { from: 'START', to: 'a b', label: '' },
      { from: 'a b', to: 's0', label: '' },
      { from: 's0', to: 'END', label: '' },
    ]);
  });
});

describe('DOT output, laid out by the same Graphviz', () => {
  let viz: Awaited<ReturnType<typeof instance>>;
  beforeAll(async () => {
    viz = await instance();
  }, 60_000);

  /** Graphviz's own reading of the graph: its JSON output lists nodes and edges. */
  function graphvizEdges(dot: string): { from: string; to: string; label?: string; style?: string }[] {
    const result = viz.render(dot, { format: 'json' });
    expect(result.errors.filter((e) => e.level === 'error')).toEqual([]);
    expect(result.status).toBe('success');
    const graph = JSON.parse(result.output as string) as { objects: { name: string }[]; edges: { tail: number; head: number; label?: string; style?: string }[] };
    return graph.edges.map((e) => ({ from: graph.objects[e.tail].name, to: graph.objects[e.head].name, label: e.label, style: e.style }));
  }

  test.each(CHANNELS)('%s: renders without error and has exactly LIFECYCLE.md’s edges', (channel) => {
    const spec = SPEC[channel];
    const edges = graphvizEdges(toDot(channel));
    const transitions = edges.filter((e) => e.from !== '__start' && e.style !== 'dashed');
    expect(keys(transitions.map((e) => [e.from, e.to] as const))).toEqual(keys(spec.edges));
    expect(edges.filter((e) => e.from === '__start').map((e) => e.to)).toEqual([spec.initial]);
    const timers = edges.filter((e) => e.style === 'dashed');
    expect(timers.map((e) => [e.from, e.to, e.label])).toEqual(spec.timer ? [[...spec.timer, 'after 48 h']] : []);
  });

  test('final statuses get a double border, others do not', () => {
    const dot = toDot('email');
    for (const status of SPEC.email.statuses) {
      expect(dot.includes(`"${status}" [peripheries=2];`)).toBe(SPEC.email.final.includes(status));
    }
  });

  test('a custom machine with a quote in a state name renders', () => {
    const machine = createMachine({ id: 'odd "one"', initial: 'a "b"', states: { 'a "b"': { on: { c: { target: 'c' } } }, c: { type: 'final' } } });
    const edges = graphvizEdges(toDot(machine));
    expect(edges).toContainEqual(expect.objectContaining({ from: 'a "b"', to: 'c' }));
  });
});

describe('SVG output', () => {
  interface ParsedSvg {
    ok: boolean;
    root?: string;
    texts: string[];
    error?: string;
  }
  /** jsdom's XML parser, in a child process (jsdom 29 does not load under CommonJS jest). */
  function parseSvg(texts: string[]): ParsedSvg[] {
    const child = spawnSync(process.execPath, [join(__dirname, 'support', 'svg-parse.mjs')], { input: JSON.stringify(texts), encoding: 'utf8', timeout: 60_000 });
    if (child.status !== 0) throw new Error(`svg parser failed: ${child.stderr}`);
    return JSON.parse(child.stdout) as ParsedSvg[];
  }
  let parsed: ParsedSvg[];
  beforeAll(async () => {
    const sms = await toSvg('sms');
    // The last one is a control: a truncated SVG must not parse.
    parsed = parseSvg([sms, await toSvg('email'), await toSvg(pushMachine), sms.slice(0, sms.length / 2)]);
  }, 90_000);

  test.each(CHANNELS.map((c, i) => [c, i] as const))('%s: well-formed XML naming every status of the channel and no other', (channel, i) => {
    expect(parsed[i]).toMatchObject({ ok: true, root: 'svg' });
    const texts = parsed[i].texts;
    const named = CATALOG.filter((status) => texts.includes(status));
    expect([...named].sort()).toEqual([...SPEC[channel].statuses].sort());
    expect(texts.filter((t) => !CATALOG.includes(t as never)).sort()).toEqual(channel === 'sms' ? ['after 48 h'] : ['repeat', 'repeat', 'repeat']);
  });

  test('the XML check can fail: a truncated SVG does not parse', () => {
    expect(parsed[3].ok).toBe(false);
  });

  test('a custom machine renders to SVG with its own state names', () => {
    expect(parsed[2].ok).toBe(true);
    expect(parsed[2].texts).toEqual(expect.arrayContaining(['queued', 'sent out', 'end', 'done', 'after 90 min', 'repeat']));
  });

  test('Graphviz errors on invalid DOT are reported, not swallowed', async () => {
    await expect(renderDotToSvg('digraph { a -> }')).rejects.toThrow();
  });
});

describe('toMarkdownTable', () => {
  /** Reads the table back into rows. */
  function rows(table: string): { status: string; initial: boolean; final: boolean; next: string[]; timed: string[]; meaning: string }[] {
    const lines = table.trimEnd().split('\n');
    expect(lines[0]).toBe('| status | may be followed by | meaning |');
    return lines.slice(2).map((line) => {
      const [name, follows, meaning] = line.slice(2, -2).split(' | ');
      const [next, ...timed] = follows.split('; ');
      return {
        status: name.replace(' (initial)', ''),
        initial: name.endsWith(' (initial)'),
        final: follows === '— (final)',
        next: follows === '— (final)' ? [] : next.split(', ').map((s) => s.replace(' (repeat)', '')),
        timed,
        meaning,
      };
    });
  }

  test.each(CHANNELS)('%s: one row per status with its allowed next statuses, initial and final marked', (channel) => {
    const spec = SPEC[channel];
    const table = rows(toMarkdownTable(channel));
    expect(table.map((r) => r.status).sort()).toEqual([...spec.statuses].sort());
    for (const row of table) {
      expect(row.initial).toBe(row.status === spec.initial);
      expect(row.final).toBe(spec.final.includes(row.status));
      expect(row.next.sort()).toEqual(legalFrom(spec, row.status).sort());
      expect(row.meaning.length).toBeGreaterThan(10);
    }
    const timed = table.filter((r) => r.timed.length > 0).map((r) => [r.status, r.timed]);
    expect(timed).toEqual(spec.timer ? [[spec.timer[0], [`${spec.timer[1]} by itself after 48 h`]]] : []);
  });

  test('a pipe in a state name cannot break the table', () => {
    const machine = createMachine({ id: 'p', initial: 'a|b', states: { 'a|b': { on: { c: { target: 'c' } } }, c: { type: 'final' } } });
    const lines = toMarkdownTable(machine).trimEnd().split('\n');
    expect(lines[2].split(/(?<!\\)\|/)).toHaveLength(5);
  });
});

describe('extractDiagram', () => {
  test('accepts a channel name, a compiled lifecycle and a raw machine alike', () => {
    const custom = compileLifecycle(pushMachine, { name: 'push' });
    expect(extractDiagram(custom)).toEqual(extractDiagram(pushMachine));
    expect(extractDiagram(lifecycleOf('sms'))).toEqual(extractDiagram('sms'));
    expect(extractDiagram(machineFor('sms'))).toEqual({ ...extractDiagram('sms'), name: 'sms' });
  });

  test('a targetless transition without actions is not drawn: xstate never takes it', () => {
    const noop = createMachine({ id: 'noop', initial: 'a', states: { a: { on: { a: {}, b: { target: 'b' } } }, b: { type: 'final' } } });
    expect(initialTransition(noop)[0].can({ type: 'a' })).toBe(false);
    const model = extractDiagram(noop);
    expect(model.nodes.find((node) => node.id === 'a')?.selfLoop).toBe(false);
    expect(model.edges).toEqual([{ from: 'a', to: 'b', kind: 'report', label: '' }]);
    expect(toMermaid(noop)).not.toMatch(/repeat/);
  });

  test('labels a named delay that cannot be computed with its name', () => {
    const machine = setup({ delays: { grace: () => { throw new Error('needs input'); } } }).createMachine({
      id: 'g',
      initial: 'wait',
      states: { wait: { after: { grace: { target: 'gone' } }, on: { gone: { target: 'gone' } } }, gone: { type: 'final' } },
    });
    expect(extractDiagram(machine).edges.filter((e) => e.kind === 'timer')).toEqual([{ from: 'wait', to: 'gone', kind: 'timer', label: 'after grace' }]);
    expect(extractDiagram(machine, { delays: { grace: 30_000 } }).edges.find((e) => e.kind === 'timer')?.label).toBe('after 30 s');
  });

  test('refuses what it cannot draw with a typed error', () => {
    const code = (f: () => unknown): unknown => {
      try {
        f();
      } catch (error) {
        return error instanceof LifecycleError ? error.code : error;
      }
      return 'no error';
    };
    expect(code(() => toMermaid('fax' as never))).toBe('unknown_channel');
    expect(code(() => toDot({ states: {} } as never))).toBe('unknown_channel');
    const loop = createMachine({ id: 'loop', initial: 'a', states: { a: { on: { b: { target: 'b' } } }, b: { on: { a: { target: 'a' } } } } });
    expect(code(() => toMermaid(loop))).toBe('invalid_definition');
    expect(code(() => toMermaid('sms', { delays: { validity: -1 } }))).toBe('invalid_argument');
    expect(code(() => toMermaid('sms', { delays: { validity: Number.NaN } }))).toBe('invalid_argument');
  });
});

test('formatDelay uses the largest unit that divides the delay exactly, never days', () => {
  expect(formatDelay(48 * 3_600_000)).toBe('48 h');
  expect(formatDelay(24 * 3_600_000)).toBe('24 h');
  expect(formatDelay(90 * 60_000)).toBe('90 min');
  expect(formatDelay(45_000)).toBe('45 s');
  expect(formatDelay(1_500)).toBe('1500 ms');
});
