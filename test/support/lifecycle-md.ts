/**
 * The lifecycles as /work/shared/LIFECYCLE.md states them, written out by
 * hand for tests: names from its catalog table, edges from "Legal
 * transitions". Independent of the machines and of the compiled tables.
 */

/** The 11 catalog statuses, in the order of LIFECYCLE.md's catalog table. */
export const CATALOG = [
  'REGISTERED',
  'SUBMITTED',
  'DELIVERED',
  'OPEN',
  'CLICKED',
  'EXPIRED',
  'UNDELIVERABLE',
  'DEFERRED',
  'REJECTED',
  'DROPPED',
  'FAILED',
] as const;

/** Which catalog statuses each channel uses (the cells of the catalog table that are not n/a). */
export const APPLICABLE = {
  sms: ['REGISTERED', 'SUBMITTED', 'DELIVERED', 'EXPIRED', 'UNDELIVERABLE', 'FAILED'],
  email: ['SUBMITTED', 'DELIVERED', 'OPEN', 'CLICKED', 'UNDELIVERABLE', 'DEFERRED', 'REJECTED', 'DROPPED'],
} as const;

export interface LifecycleSpec {
  readonly initial: string;
  readonly statuses: readonly string[];
  /** `from → to` legal transitions, self-loops included. */
  readonly edges: readonly (readonly [string, string])[];
  readonly final: readonly string[];
  /** The timed transition, when the channel has one. */
  readonly timer?: readonly [string, string];
}

const pairs = (from: string, tos: string): [string, string][] => tos.split(', ').map((to) => [from, to]);

export const SPEC: Readonly<Record<'sms' | 'email', LifecycleSpec>> = {
  sms: {
    initial: 'REGISTERED',
    statuses: APPLICABLE.sms,
    edges: [...pairs('REGISTERED', 'SUBMITTED, FAILED'), ...pairs('SUBMITTED', 'DELIVERED, UNDELIVERABLE, EXPIRED, FAILED')],
    final: ['DELIVERED', 'UNDELIVERABLE', 'EXPIRED', 'FAILED'],
    timer: ['SUBMITTED', 'EXPIRED'],
  },
  email: {
    initial: 'SUBMITTED',
    statuses: APPLICABLE.email,
    edges: [
      ...pairs('SUBMITTED', 'DELIVERED, DEFERRED, UNDELIVERABLE, REJECTED, DROPPED'),
      ...pairs('DEFERRED', 'DEFERRED, DELIVERED, UNDELIVERABLE, REJECTED'),
      ...pairs('DELIVERED', 'OPEN, CLICKED, UNDELIVERABLE'),
      ...pairs('OPEN', 'OPEN, CLICKED'),
      ...pairs('CLICKED', 'CLICKED'),
    ],
    final: ['UNDELIVERABLE', 'REJECTED', 'DROPPED'],
  },
};

/** Where `spec` says `from` may go (self-loops included). */
export const legalFrom = (spec: LifecycleSpec, from: string): string[] => spec.edges.filter(([f]) => f === from).map(([, t]) => t);

/** Sorted `from>to` keys, for comparing edge sets. */
export const keys = (edges: Iterable<readonly [string, string]>): string[] => [...edges].map(([f, t]) => `${f}>${t}`).sort();
