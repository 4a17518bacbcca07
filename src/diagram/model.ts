/**
 * The neutral graph every diagram renderer draws: a lifecycle's statuses and
 * transitions, read once from the machine by {@link extractDiagram} and
 * nothing else. Renderers never look at the machine themselves.
 */

/** One status of the lifecycle. */
export interface DiagramNode {
  /** The status name (the machine's state key). */
  readonly id: string;
  /** The state's description, or `''`. */
  readonly description: string;
  /** True for the status every message starts in. */
  readonly initial: boolean;
  /** True when nothing may follow the status. */
  readonly final: boolean;
  /** True when the status may be reported again and the repeat counts (DEFERRED, OPEN, CLICKED). */
  readonly selfLoop: boolean;
}

/**
 * One arrow. `report`: a reported status leads from `from` to `to` (the event
 * is the target status, so it needs no label). `self`: a counted repeat.
 * `timer`: the machine moves by itself after a delay.
 */
export interface DiagramEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: 'report' | 'self' | 'timer';
  /** What to print on the arrow: `''` for a report, `'repeat'` for a self-loop, `'after 48 h'` for a timer. */
  readonly label: string;
}

/** A lifecycle as a graph, ready to render. */
export interface DiagramModel {
  /** The lifecycle's name (the channel name, or the machine id). */
  readonly name: string;
  /** Nodes in the machine's definition order. */
  readonly nodes: readonly DiagramNode[];
  /** Edges grouped by source node, in definition order; a node's timer edges follow its reported ones. */
  readonly edges: readonly DiagramEdge[];
}

const UNITS: ReadonlyArray<readonly [number, string]> = [
  [60 * 60 * 1000, 'h'],
  [60 * 1000, 'min'],
  [1000, 's'],
];

/**
 * A delay in milliseconds in the largest unit that divides it exactly:
 * hours, minutes, seconds, else milliseconds. Days are never used, so the
 * SMS default reads `48 h` as providers write it.
 *
 * @example formatDelay(48 * 3_600_000) // '48 h'
 * @example formatDelay(90 * 60_000)    // '90 min'
 */
export function formatDelay(ms: number): string {
  for (const [size, unit] of UNITS) if (ms >= size && ms % size === 0) return `${ms / size} ${unit}`;
  return `${ms} ms`;
}
