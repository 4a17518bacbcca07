/** The built-in channels. */
export const CHANNELS = ['sms', 'email'] as const;
/** A built-in channel's name. */
export type Channel = (typeof CHANNELS)[number];

/** The provider's status catalog, shared by both channels (each uses a part of it). */
export const STATUSES = [
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
/** One of the 11 catalog statuses. */
export type Status = (typeof STATUSES)[number];
