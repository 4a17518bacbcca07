export { extractDiagram, lifecycleForDiagram, type DiagramOptions, type DiagramSource } from './extract';
export { formatDelay, type DiagramEdge, type DiagramModel, type DiagramNode } from './model';
export { renderMermaid, toMermaid } from './mermaid';
export { renderDot, toDot } from './dot';
export { renderDotToSvg, toSvg } from './svg';
export { renderMarkdownTable, toMarkdownTable } from './table';
