/**
 * The delivery report's figures: plain, JSON-serialisable data that
 * {@link buildReport} folds from an event log, `store.stats` computes from
 * the PostgreSQL tables, {@link mergeReports} adds up and
 * {@link renderReportHtml} draws. Status names in it always come from the
 * compiled lifecycles, never from this file.
 */
import type { ApplyCode, Policy } from '../reconcile';
import type { SketchData } from './sketch';

/** The version tag every report carries; {@link readReportJson} accepts only this one. */
export const REPORT_FORMAT = 'delivery-report/1';

/** How many messages reached one status, directly or implied. */
export interface FunnelStep {
  readonly status: string;
  /** Messages that reached the status at least once (directly or implied). */
  readonly reached: number;
  /** Of those, messages whose status was only ever implied by a later report (no report of its own was applied). */
  readonly implied: number;
  /** `reached / started` of the channel (0 when nothing started). */
  readonly share: number;
}

/** How many messages ended in one status. */
export interface FinalCount {
  readonly status: string;
  readonly count: number;
  /** `count / started`. */
  readonly share: number;
}

/** How often messages moved from one status to another. */
export interface TransitionCount {
  readonly from: string;
  readonly to: string;
  /** Every time a message took the step, filled-in steps included (a self-transition counts each repeat). */
  readonly count: number;
  /** Of those, steps filled in because a later report arrived early (no report of their own). */
  readonly implied: number;
}

/**
 * Time between two statuses of the same message, from the `at` of the
 * first applied report of each: for every ordered pair where the second
 * status is reachable from the first. Implied statuses have no time.
 */
export interface TimingFigures {
  readonly from: string;
  readonly to: string;
  /** Pairs measured (the sketch's count). */
  readonly count: number;
  /** Pairs whose second report was stamped before the first (clock skew); counted here, kept out of the sketch. */
  readonly negative: number;
  /** Milliseconds; `null` when nothing was measured. Quantiles are within 1 % (DDSketch). */
  readonly median: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
  readonly min: number | null;
  readonly max: number | null;
  /** Exact mean in ms. */
  readonly mean: number | null;
  readonly sketch: SketchData;
}

/** One provider `detail` and how many failed messages it was the last word of. */
export interface DetailCount {
  readonly detail: string;
  readonly count: number;
}

/** Why messages failed. */
export interface FailureFigures {
  /** Messages whose final status is a failure (tagged `failure` in the machine). */
  readonly total: number;
  /** By failure status, every failure status of the channel listed. */
  readonly byStatus: readonly FinalCount[];
  /**
   * By the provider's `detail` on the report that moved the message into
   * its failure status, most frequent first (ties by text), at most
   * {@link ReportOptions.maxDetails} of them.
   */
  readonly byDetail: readonly DetailCount[];
  /** Failed messages whose detail is not listed in `byDetail` (too many distinct ones). */
  readonly otherDetails: number;
  /** Failed messages whose report carried no detail (or whose failure was implied). */
  readonly withoutDetail: number;
}

/** Everything about one channel. */
export interface ChannelFigures {
  readonly channel: string;
  /** The channel's statuses in definition order. */
  readonly statuses: readonly string[];
  /** Messages seen (each starts in the initial status; registered messages count). */
  readonly started: number;
  /** One step per status in definition order. */
  readonly funnel: readonly FunnelStep[];
  /** Where messages are now, every status listed. */
  readonly final: readonly FinalCount[];
  /** Every transition of the lifecycle (self-transitions included), in the diagram's order, zeros included. */
  readonly transitions: readonly TransitionCount[];
  /** Pairs that could be timed, in status order. */
  readonly timings: readonly TimingFigures[];
  readonly failures: FailureFigures;
}

/** A line that could not be used: not an event (`malformed`) or an event the lifecycle refused (`rejected`). */
export interface Contradiction {
  readonly line: number;
  readonly kind: 'malformed' | 'rejected';
  readonly reason: string;
  /** For rejected events: the message, its channel, the reported and the current status, and the code. */
  readonly message?: string;
  readonly channel?: string;
  readonly status?: string;
  readonly current?: string;
  readonly code?: ApplyCode;
}

/** Rejected and malformed lines: all counted, the first ones listed by line number. */
export interface ContradictionFigures {
  readonly malformed: number;
  readonly rejected: number;
  /** Rejected events by code, every code listed. */
  readonly byCode: { readonly [C in ApplyCode]: number };
  /** Events ignored as harmless: duplicates (by status or provider id) and late reports. */
  readonly ignored: { readonly duplicate: number; readonly stale: number };
  readonly listed: readonly Contradiction[];
}

/** The whole report. */
export interface DeliveryReport {
  readonly format: typeof REPORT_FORMAT;
  /** Where the figures come from: an event log, or the PostgreSQL store (which keeps no rejected lines). */
  readonly source: 'log' | 'store';
  readonly policy: Policy;
  /** Lines read (0 for the store). */
  readonly lines: number;
  /** Well-formed events (for the store: history rows with a report of their own). */
  readonly events: number;
  readonly messages: number;
  /** Channels in the order they were configured. */
  readonly channels: readonly ChannelFigures[];
  readonly contradictions: ContradictionFigures;
}

/** Options of {@link buildReport} and {@link createReportBuilder}. */
export interface ReportOptions {
  /** As in `createReplay`. Default `'tolerant'`. */
  readonly policy?: Policy;
  /** Custom channels a line may name, in addition to the built-in `sms` and `email`, as in `createReplay`. */
  readonly channels?: readonly import('../catalog').ChannelRef[];
  /** How many contradictions are listed (all are counted). Default 100. */
  readonly maxListed?: number;
  /** Distinct failure details counted per channel; further ones are summed in `otherDetails`. Default 1000. */
  readonly maxDetails?: number;
}
