import { extractDiagram, type DiagramOptions, type DiagramSource } from './extract';
import type { DiagramModel } from './model';

/** A DOT double-quoted string. */
function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

/**
 * Renders a lifecycle as a Graphviz DOT digraph, left to right: a point
 * marks the start, final statuses have a double border, the timer arrow is
 * dashed and labelled with its delay (`after 48 h`), counted repeats are
 * labelled `repeat`. Every id and label is quoted, so any status name is
 * safe. Pure; throws as {@link extractDiagram} does.
 *
 * @example
 * toDot('email') // 'digraph "email" {\n  rankdir=LR; …'
 */
export function toDot(source: DiagramSource, options?: DiagramOptions): string {
  return renderDot(extractDiagram(source, options));
}

/**
 * Renders an already extracted {@link DiagramModel} as DOT.
 *
 * @example renderDot(extractDiagram('sms', { delays: { validity: 3_600_000 } }))
 */
export function renderDot(model: DiagramModel): string {
  const lines = [
    `digraph ${quote(model.name)} {`,
    '  rankdir=LR;',
    '  node [shape=box, style=rounded, fontname="Helvetica"];',
    '  edge [fontname="Helvetica", fontsize=10];',
    '  "__start" [shape=point, width=0.15, label=""];',
  ];
  for (const node of model.nodes) {
    lines.push(`  ${quote(node.id)}${node.final ? ' [peripheries=2]' : ''};`);
  }
  for (const node of model.nodes) if (node.initial) lines.push(`  "__start" -> ${quote(node.id)};`);
  for (const edge of model.edges) {
    const attributes: string[] = [];
    if (edge.label !== '') attributes.push(`label=${quote(edge.label)}`);
    if (edge.kind === 'timer') attributes.push('style=dashed');
    lines.push(`  ${quote(edge.from)} -> ${quote(edge.to)}${attributes.length ? ` [${attributes.join(', ')}]` : ''};`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
