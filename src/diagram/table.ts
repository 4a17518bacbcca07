import { extractDiagram, type DiagramOptions, type DiagramSource } from './extract';
import type { DiagramModel } from './model';

/** Text that cannot break a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/**
 * Renders a lifecycle as a Markdown table, one row per status in definition
 * order: the statuses that may follow it (`repeat` marks a counted repeat,
 * a timer is written with its delay), `(initial)` and `final` marked, and
 * what the status means. Pure; throws as {@link extractDiagram} does.
 *
 * @example
 * toMarkdownTable('sms')
 * // | status | may be followed by | meaning |
 * // |---|---|---|
 * // | REGISTERED (initial) | SUBMITTED, FAILED | Accepted and queued … |
 */
export function toMarkdownTable(source: DiagramSource, options?: DiagramOptions): string {
  return renderMarkdownTable(extractDiagram(source, options));
}

/**
 * Renders an already extracted {@link DiagramModel} as a Markdown table.
 *
 * @example renderMarkdownTable(extractDiagram('email'))
 */
export function renderMarkdownTable(model: DiagramModel): string {
  const rows = ['| status | may be followed by | meaning |', '|---|---|---|'];
  for (const node of model.nodes) {
    const out = model.edges.filter((edge) => edge.from === node.id);
    const next = out.filter((edge) => edge.kind !== 'timer').map((edge) => (edge.kind === 'self' ? `${edge.to} (repeat)` : edge.to));
    const timed = out.filter((edge) => edge.kind === 'timer').map((edge) => `${edge.to} by itself ${edge.label}`);
    const follows = node.final ? '— (final)' : [next.join(', '), ...timed].filter((part) => part !== '').join('; ');
    const name = node.initial ? `${node.id} (initial)` : node.id;
    rows.push(`| ${cell(name)} | ${cell(follows)} | ${cell(node.description)} |`);
  }
  return `${rows.join('\n')}\n`;
}
