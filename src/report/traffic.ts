import { lifecycleOf } from '../catalog';
import { LifecycleError } from '../errors';
import { show } from '../messages';
import { extractDiagram } from '../diagram/extract';
import type { DiagramModel } from '../diagram/model';
import { renderDotToSvg } from '../diagram/svg';
import type { ChannelFigures } from './model';

/** A DOT double-quoted string. */
function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

const grouped = new Intl.NumberFormat('en-US');

/** Colours of the traffic diagram (the page's palette). */
const INK = '#1f2937';
const FLOW = '#2563eb';
const FAIL = '#dc2626';
const MUTED = '#b6bcc6';

/**
 * The lifecycle diagram with traffic on it, as Graphviz DOT: the same
 * {@link DiagramModel} every other diagram draws (nodes, reported, repeated
 * and timed edges), each status labelled with the messages that reached it
 * and each edge with the messages that took it (`… implied` when some steps
 * were filled in), edge width by volume, statuses and edges no message
 * reached greyed, failure statuses in red. Pure.
 *
 * @example renderTrafficDot(extractDiagram('sms'), report.channels[0])
 */
export function renderTrafficDot(model: DiagramModel, figures: ChannelFigures, failures: ReadonlySet<string> = new Set()): string {
  const reached = new Map(figures.funnel.map((f) => [f.status, f.reached]));
  const steps = new Map(figures.transitions.map((t) => [`${t.from}\u0000${t.to}`, t]));
  const max = Math.max(1, ...figures.transitions.map((t) => t.count));
  const lines = [
    `digraph ${quote(model.name)} {`,
    '  rankdir=LR; bgcolor="transparent"; pad=0.2; nodesep=0.35; ranksep=0.7;',
    `  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=12, color=${quote(INK)}, fillcolor="#ffffff", fontcolor=${quote(INK)}];`,
    `  edge [fontname="Helvetica", fontsize=10, color=${quote(FLOW)}, fontcolor=${quote(INK)}, arrowsize=0.7];`,
    '  "__start" [shape=point, width=0.12, label="", color="#6b7280", fillcolor="#6b7280"];',
  ];
  for (const node of model.nodes) {
    const count = reached.get(node.id) ?? 0;
    const attributes = [`label=${quote(`${node.id}\n${grouped.format(count)}`)}`, `tooltip=${quote(node.description)}`];
    if (node.final) attributes.push('peripheries=2');
    if (count === 0) attributes.push(`color=${quote(MUTED)}`, `fontcolor=${quote(MUTED)}`, 'fillcolor="#f3f4f6"');
    else if (failures.has(node.id)) attributes.push(`color=${quote(FAIL)}`, 'fillcolor="#fef2f2"');
    else attributes.push('fillcolor="#eff6ff"');
    lines.push(`  ${quote(node.id)} [${attributes.join(', ')}];`);
  }
  for (const node of model.nodes) if (node.initial) lines.push(`  "__start" -> ${quote(node.id)} [color="#6b7280"];`);
  const drawn = new Set<string>();
  for (const edge of model.edges) {
    const key = `${edge.from}\u0000${edge.to}`;
    // A pair both reported and timed (SMS SUBMITTED → EXPIRED) carries its traffic on the reported edge.
    const step = edge.kind !== 'timer' || !model.edges.some((e) => e !== edge && e.from === edge.from && e.to === edge.to) ? steps.get(key) : undefined;
    const count = step !== undefined && !drawn.has(key) ? step.count : 0;
    if (step !== undefined) drawn.add(key);
    const attributes: string[] = [];
    const words: string[] = [];
    if (edge.label !== '') words.push(edge.label);
    if (count > 0) {
      words.push(grouped.format(count));
      if (step!.implied > 0) words.push(`(${grouped.format(step!.implied)} implied)`);
      attributes.push(`penwidth=${(1 + 7 * Math.sqrt(count / max)).toFixed(2)}`);
      if (failures.has(edge.to)) attributes.push(`color=${quote(FAIL)}`);
      if (step!.implied === count) attributes.push('style=dashed');
    } else {
      attributes.push(`color=${quote(MUTED)}`, `fontcolor=${quote('#9ca3af')}`, 'penwidth=1');
      if (edge.kind === 'timer') attributes.push('style=dashed');
      else attributes.push('style=dotted');
    }
    if (edge.kind === 'timer' && count > 0) attributes.push('style=dashed');
    if (words.length > 0) attributes.push(`label=${quote(words.join(' '))}`);
    lines.push(`  ${quote(edge.from)} -> ${quote(edge.to)} [${attributes.join(', ')}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/**
 * The traffic diagram of one channel of a report as an inline SVG element
 * (no XML prolog, no fixed size: it scales to its container), laid out by
 * the lazily loaded Graphviz. Rejects with `LifecycleError('unknown_channel')`
 * for a channel that is not built in and not among `lifecycles`.
 *
 * @example await trafficSvg(report.channels[0])
 */
export async function trafficSvg(figures: ChannelFigures, model?: DiagramModel, failures?: ReadonlySet<string>): Promise<string> {
  let diagram = model;
  if (diagram === undefined) {
    const lifecycle = lifecycleOf(figures.channel as unknown);
    if (lifecycle === undefined) throw new LifecycleError('unknown_channel', `no lifecycle to draw for channel ${show(figures.channel)}`);
    diagram = extractDiagram(lifecycle);
  }
  const svg = await renderDotToSvg(renderTrafficDot(diagram, figures, failures));
  return svg
    .replace(/^[\s\S]*?(<svg\b)/, '$1')
    .replace(/<svg\b([^>]*?)\swidth="[^"]*"\sheight="[^"]*"/, '<svg$1')
    .replace(/<svg\b/, '<svg role="img" class="traffic"');
}
