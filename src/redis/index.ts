export { createRedisStore, type ArchiveResult, type ArchivedRecord, type RedisClient, type RedisStore, type RedisStoreOptions } from './store';
export type {
  BatchItem,
  DeliveryStore,
  ExpireOptions,
  ExpireResult,
  RegisterOptions,
  RegisterResult,
  StatsOptions,
  StoreApplyOptions,
  StoreEvent,
  StoredMessage,
  StoredTransition,
} from '../store';
