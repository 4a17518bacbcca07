export {
  createPostgresStore,
  type BatchItem,
  type BatchResult,
  type ChannelMismatch,
  type ExpireOptions,
  type ExpireResult,
  type PostgresStore,
  type PostgresStoreOptions,
  type RegisterOptions,
  type RegisterResult,
  type SideEvent,
  type StoreApplyOptions,
  type StoreEvent,
  type StoredMessage,
  type StoredSideEvent,
  type StoredTransition,
} from './store';
export { startExpirySweeper, type ExpirySweeper, type SweeperOptions } from './sweeper';
export type { SqlClient, SqlResult } from './client';
export type { DelayOptions } from './delays';
export type { StatsOptions } from './stats';
export { createPostgresReplayCache, type PostgresReplayCache, type PostgresReplayCacheOptions } from './replay-cache';
