import { extractDiagram, type DiagramOptions, type DiagramSource } from './extract';
import type { DiagramModel } from './model';

// Words Mermaid's state grammar reads as keywords; such a state gets an alias.
const KEYWORDS = new Set(['state', 'note', 'direction', 'end', 'as', 'class', 'classdef', 'click', 'style', 'hide', 'statediagram', 'default']);
const PLAIN = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Text Mermaid prints as is: its entity codes for the characters its grammar reads. */
function escapeText(text: string): string {
  return text.replace(/[#"<>:;\n\r{}]/g, (c) => `#${c.charCodeAt(0)};`);
}

/**
 * Renders a lifecycle as a Mermaid `stateDiagram-v2`, the diagram type GitHub
 * renders in Markdown: `[*]` arrows mark the initial and final statuses, the
 * timer arrow is labelled with its delay (`after 48 h`) and counted repeats
 * with `repeat`. Status names that Mermaid cannot take as ids are aliased
 * (`state "…" as s3`). Pure; throws as {@link extractDiagram} does.
 *
 * @example
 * toMermaid('sms')
 * // stateDiagram-v2
 * //     [*] --> REGISTERED
 * //     REGISTERED --> SUBMITTED
 * //     …
 * //     SUBMITTED --> EXPIRED : after 48 h
 */
export function toMermaid(source: DiagramSource, options?: DiagramOptions): string {
  return renderMermaid(extractDiagram(source, options));
}

/**
 * Renders an already extracted {@link DiagramModel} as Mermaid.
 *
 * @example renderMermaid(extractDiagram('email'))
 */
export function renderMermaid(model: DiagramModel): string {
  const ids = new Map<string, string>();
  const lines = ['stateDiagram-v2'];
  const isPlain = (id: string): boolean => PLAIN.test(id) && !KEYWORDS.has(id.toLowerCase());
  const used = new Set(model.nodes.map((node) => node.id).filter(isPlain));
  model.nodes.forEach((node, i) => {
    if (isPlain(node.id)) {
      ids.set(node.id, node.id);
      return;
    }
    let alias = `s${i}`;
    while (used.has(alias)) alias += '_';
    used.add(alias);
    ids.set(node.id, alias);
    lines.push(`    state "${escapeText(node.id)}" as ${alias}`);
  });
  for (const node of model.nodes) if (node.initial) lines.push(`    [*] --> ${ids.get(node.id)}`);
  for (const edge of model.edges) {
    const arrow = `    ${ids.get(edge.from)} --> ${ids.get(edge.to)}`;
    lines.push(edge.label === '' ? arrow : `${arrow} : ${escapeText(edge.label)}`);
  }
  for (const node of model.nodes) if (node.final) lines.push(`    ${ids.get(node.id)} --> [*]`);
  return `${lines.join('\n')}\n`;
}
