export {
  createPostgresStore,
  type BatchItem,
  type PostgresStore,
  type PostgresStoreOptions,
  type StoreEvent,
  type StoredMessage,
  type StoredTransition,
} from './store';
export type { SqlClient, SqlResult } from './client';
export { createPostgresReplayCache, type PostgresReplayCache, type PostgresReplayCacheOptions } from './replay-cache';
