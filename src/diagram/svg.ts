import { toDot } from './dot';
import type { DiagramOptions, DiagramSource } from './extract';

type Viz = Awaited<ReturnType<typeof import('@viz-js/viz').instance>>;

let viz: Promise<Viz> | undefined;

/**
 * Graphviz compiled to WebAssembly, loaded on first use only, so importing
 * the library (or even this module) never loads it.
 */
function graphviz(): Promise<Viz> {
  viz ??= import('@viz-js/viz').then((module) => module.instance());
  return viz;
}

/**
 * Renders a lifecycle as an SVG document with Graphviz (offline, no
 * network, no native binary): the {@link toDot} graph laid out by `dot`.
 * The first call loads the WebAssembly build (about a second); later calls
 * reuse it. Rejects with `LifecycleError` as {@link extractDiagram} throws.
 *
 * @example
 * await writeFile('sms.svg', await toSvg('sms'))
 */
export async function toSvg(source: DiagramSource, options?: DiagramOptions): Promise<string> {
  const dot = toDot(source, options);
  return renderDotToSvg(dot);
}

/**
 * Lays out any DOT text with the same Graphviz as {@link toSvg}; throws
 * Graphviz's error for invalid DOT.
 *
 * @example await renderDotToSvg('digraph { a -> b }')
 */
export async function renderDotToSvg(dot: string): Promise<string> {
  return (await graphviz()).renderString(dot, { format: 'svg', engine: 'dot' });
}
