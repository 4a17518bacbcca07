import { LifecycleError } from '../errors';
import { toDot } from './dot';
import type { DiagramOptions, DiagramSource } from './extract';

type Viz = Awaited<ReturnType<typeof import('@viz-js/viz').instance>>;

let viz: Promise<Viz> | undefined;

/** The optional peer dependency SVG output needs. */
const VIZ = '@viz-js/viz';

function isNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') && String((error as Error).message).includes(VIZ);
}

/**
 * Graphviz compiled to WebAssembly, loaded on first use only, so importing
 * the library (or even this module) never loads it. `@viz-js/viz` is an
 * optional peer dependency: without it this rejects with
 * `LifecycleError('missing_dependency')` naming the package (and tries again
 * on the next call, in case it was installed meanwhile).
 */
function graphviz(): Promise<Viz> {
  viz ??= import('@viz-js/viz').then(
    (module) => module.instance(),
    (cause: unknown) => {
      viz = undefined;
      if (!isNotFound(cause)) throw cause;
      throw new LifecycleError('missing_dependency', `SVG output needs the optional peer dependency ${VIZ}: npm install ${VIZ}`, { cause });
    },
  );
  return viz;
}

/**
 * Renders a lifecycle as an SVG document with Graphviz (offline, no
 * network, no native binary): the {@link toDot} graph laid out by `dot`.
 * The first call loads the WebAssembly build (about a second); later calls
 * reuse it. Rejects with `LifecycleError` as {@link extractDiagram} throws,
 * and with `LifecycleError('missing_dependency')` when the optional peer
 * dependency `@viz-js/viz` is not installed (`npm install @viz-js/viz`).
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
