// `delivery-lifecycle/machines`: everything that needs the xstate runtime.
// The package root validates and reconciles from tables generated from these
// machines at build time (scripts/generate.ts) and loads none of this.
export { emailMachine } from '../machines/email';
export { DEFAULT_SMS_VALIDITY_MS, smsMachine } from '../machines/sms';
export { eventTime } from '../machines/shared';
export { actorNow, timeUntil } from './clock';
export { compileLifecycle } from './compile';
export { defineChannel } from './channel';
export { machineFor } from './machine-for';
export { resumeTimers } from './resume-timers';
export type { EmailContext } from '../machines/email';
export type { SmsContext, SmsInput } from '../machines/sms';
export type { StatusEvent } from '../machines/shared';
export type { CompileOptions } from './compile';
export type { ChannelContext, ChannelDefinition, StatusDefinition, TimerDefinition } from './channel';
