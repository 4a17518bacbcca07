export { MAX_SIDE_EVENTS, createRedisStore, type ArchiveResult, type ArchivedRecord, type RedisClient, type RedisStore, type RedisStoreOptions } from './store';
export type {
  BatchItem,
  DeliveryStore,
  ExpireOptions,
  ExpireResult,
  RegisterOptions,
  RegisterResult,
  SideEvent,
  StatsOptions,
  StoreApplyOptions,
  StoreEvent,
  StoredMessage,
  StoredSideEvent,
  StoredTransition,
} from '../store';
