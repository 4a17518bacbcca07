import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ChannelRef } from '../catalog';
import { toDot, toMarkdownTable, toMermaid, toSvg, type DiagramOptions } from '../diagram';
import { UsageError, type CliIo } from './io';

/** The formats `diagram --format` takes. */
export const DIAGRAM_FORMATS = ['mermaid', 'dot', 'svg', 'md'] as const;
/** One of {@link DIAGRAM_FORMATS}. */
export type DiagramFormat = (typeof DIAGRAM_FORMATS)[number];

/**
 * The diagram text in `format`, from the library's renderers.
 *
 * @example await renderDiagram('sms', 'md', {})
 */
export async function renderDiagram(channel: ChannelRef, format: DiagramFormat, options: DiagramOptions): Promise<string> {
  switch (format) {
    case 'mermaid':
      return toMermaid(channel, options);
    case 'dot':
      return toDot(channel, options);
    case 'svg':
      return toSvg(channel, options);
    case 'md':
      return toMarkdownTable(channel, options);
  }
}

/**
 * `diagram <channel>`: prints the diagram, or writes it to `output`; exit 0.
 * Throws {@link UsageError} (exit 2) when the file cannot be written.
 *
 * @example await runDiagram(io, 'email', 'svg', 'email.svg', {})
 */
export async function runDiagram(io: CliIo, channel: ChannelRef, format: DiagramFormat, output: string | undefined, options: DiagramOptions): Promise<number> {
  const text = await renderDiagram(channel, format, options);
  if (output === undefined || output === '-') {
    io.stdout.write(text);
    return 0;
  }
  try {
    await writeFile(resolve(io.cwd, output), text);
  } catch (error) {
    throw new UsageError(`cannot write ${output}: ${(error as Error).message}`);
  }
  return 0;
}
