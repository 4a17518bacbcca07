export {
  CHANNELS,
  STATUSES,
  describeStatus,
  initialStatus,
  isApplicable,
  isFinal,
  lifecycleOf,
  nextStatuses,
  statusesFor,
  type Channel,
  type ChannelRef,
  type EmailStatus,
  type SmsStatus,
  type Status,
  type StatusOf,
} from './catalog';
export {
  INAPPLICABLE,
  Relation,
  fromTables,
  isCompiledLifecycle,
  toTables,
  type CompiledLifecycle,
  type LifecycleTables,
  type TimerEdge,
} from './lifecycle';
export {
  LifecycleError,
  TRANSITION_CODES,
  isLifecycleError,
  type LifecycleErrorCode,
  type LifecycleErrorDetails,
  type UsageErrorCode,
} from './errors';
export { actorNow, timeUntil } from './clock';
export type { DeliveryStore } from './store';
export { resumeTimers } from './resume-timers';
export { parseStatus } from './parse';
export {
  applyStatus,
  reconcile,
  type Applied,
  type ApplyCode,
  type ApplyOptions,
  type ApplyResult,
  type HistoryEntry,
  type Ignored,
  type Policy,
  type ReconcileOptions,
  type ReconcileResult,
  type Rejected,
  type StatusReport,
  type UnappliedReport,
} from './reconcile';
export {
  assertTransition,
  canTransition,
  checkTransition,
  type OrderRejection,
  type SkippedRejection,
  type StatusRejection,
  type TransitionAccepted,
  type TransitionCode,
  type TransitionRejection,
  type TransitionResult,
  type UnknownChannelRejection,
  type UnknownStatusRejection,
  type InapplicableStatusRejection,
} from './validate';
// The machines, compileLifecycle and defineChannel need the xstate runtime:
// they live in `delivery-lifecycle/machines` (src/machines.ts), so that
// importing the root to validate loads no xstate. Their types are free.
export { DEFAULT_SMS_VALIDITY_MS, eventTime } from '../machines/shared';
export type { EmailContext } from '../machines/email';
export type { StatusEvent } from '../machines/shared';
export type { SmsContext, SmsInput } from '../machines/sms';
export type { CompileOptions } from './compile';
export type { ChannelContext, ChannelDefinition, StatusDefinition, TimerDefinition } from './channel';
export {
  createReplay,
  replayLines,
  type MalformedLine,
  type RejectedMessage,
  type Replay,
  type ReplayCounts,
  type ReplayOptions,
  type ReplaySummary,
} from './replay';
export {
  DEFAULT_MAX_SEEN_IDS,
  TRACKER_SNAPSHOT_VERSION,
  createTracker,
  restoreTracker,
  type InvalidEvent,
  type RestoreOptions,
  type TrackResult,
  type Tracker,
  type TrackerEntry,
  type TrackerOptions,
  type TrackerSnapshot,
} from './tracker';
