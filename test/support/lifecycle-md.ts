/**
 * The lifecycles as /work/shared/LIFECYCLE.md states them ("Legal
 * transitions"), written out by hand for tests: an oracle independent of the
 * machines and of the compiled tables.
 */
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
    statuses: ['REGISTERED', 'SUBMITTED', 'DELIVERED', 'UNDELIVERABLE', 'EXPIRED', 'FAILED'],
    edges: [...pairs('REGISTERED', 'SUBMITTED, FAILED'), ...pairs('SUBMITTED', 'DELIVERED, UNDELIVERABLE, EXPIRED, FAILED')],
    final: ['DELIVERED', 'UNDELIVERABLE', 'EXPIRED', 'FAILED'],
    timer: ['SUBMITTED', 'EXPIRED'],
  },
  email: {
    initial: 'SUBMITTED',
    statuses: ['SUBMITTED', 'DELIVERED', 'OPEN', 'CLICKED', 'UNDELIVERABLE', 'DEFERRED', 'REJECTED', 'DROPPED'],
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

/** The 11 catalog statuses, from LIFECYCLE.md's catalog table. */
export const CATALOG = [
  'REGISTERED', 'SUBMITTED', 'DELIVERED', 'OPEN', 'CLICKED', 'EXPIRED', 'UNDELIVERABLE', 'DEFERRED', 'REJECTED', 'DROPPED', 'FAILED',
] as const;

/** Sorted `from>to` keys, for comparing edge sets. */
export const keys = (edges: Iterable<readonly [string, string]>): string[] => [...edges].map(([f, t]) => `${f}>${t}`).sort();
