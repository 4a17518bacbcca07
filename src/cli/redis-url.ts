import { UsageError } from './io';

/** One node of a Redis URL. */
export interface RedisNodeAddress {
  readonly host: string;
  readonly port: number;
}

/** What a `redis://`, `rediss://`, `redis+cluster://` or `rediss+cluster://` URL names. */
export interface RedisTarget {
  /** `redis+cluster://` or `rediss+cluster://`: the nodes are seeds of a Redis Cluster. */
  readonly cluster: boolean;
  /** `rediss…`: connect with TLS (Node's default certificate checks). */
  readonly tls: boolean;
  /** One node for a single Redis; one or more seed nodes for a cluster. */
  readonly nodes: readonly RedisNodeAddress[];
  readonly username?: string;
  readonly password?: string;
  /** The database number of a single Redis (`/2`); always 0 for a cluster. */
  readonly db: number;
}

const SCHEMES: Readonly<Record<string, { cluster: boolean; tls: boolean }>> = {
  'redis:': { cluster: false, tls: false },
  'rediss:': { cluster: false, tls: true },
  'redis+cluster:': { cluster: true, tls: false },
  'rediss+cluster:': { cluster: true, tls: true },
};

/** The URL's scheme (lower case, with the colon) when it is one of the Redis schemes, else `undefined`. */
export function redisScheme(url: string): string | undefined {
  const match = /^([a-z][a-z0-9+.-]*:)\/\//i.exec(url);
  const scheme = match?.[1]?.toLowerCase();
  return scheme !== undefined && Object.hasOwn(SCHEMES, scheme) ? scheme : undefined;
}

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new UsageError(`--database-url has a badly escaped ${what}`);
  }
}

function node(text: string): RedisNodeAddress {
  // host, host:port, [v6], [v6]:port
  const match = /^(?:\[([0-9a-f:.]+)\]|([^:[\]/]+))(?::(\d{1,5}))?$/i.exec(text);
  if (match === null) throw new UsageError('--database-url has a host that is not host or host:port');
  const port = match[3] === undefined ? 6379 : Number(match[3]);
  if (port < 1 || port > 65535) throw new UsageError('--database-url has a port outside 1-65535');
  return { host: match[1] ?? (match[2] as string), port };
}

/**
 * Reads a Redis URL: `redis://[user[:password]@]host[:port][/db]` for a
 * single Redis, `redis+cluster://[user[:password]@]host:port[,host:port…]`
 * for the seed nodes of a Redis Cluster, and the same with `rediss` for TLS.
 * Throws {@link UsageError} for anything else; the message never repeats
 * the URL (it may hold a password).
 *
 * @example parseRedisUrl('redis+cluster://10.0.0.1:7000,10.0.0.2:7000') // { cluster: true, nodes: [2 nodes], db: 0, tls: false }
 */
export function parseRedisUrl(url: string): RedisTarget {
  const scheme = redisScheme(url);
  if (scheme === undefined) throw new UsageError('--database-url is not a redis://, rediss://, redis+cluster:// or rediss+cluster:// URL');
  const { cluster, tls } = SCHEMES[scheme] as { cluster: boolean; tls: boolean };
  const rest = url.slice(scheme.length + 2);
  if (/[?#]/.test(rest)) throw new UsageError('--database-url: query parameters and fragments are not supported in a Redis URL');
  const slash = rest.indexOf('/');
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash + 1);
  const at = authority.lastIndexOf('@');
  const userinfo = at === -1 ? undefined : authority.slice(0, at);
  const hosts = authority.slice(at + 1);
  if (hosts === '') throw new UsageError('--database-url names no host');
  const nodes = hosts.split(',').map(node);
  if (!cluster && nodes.length > 1) throw new UsageError('--database-url names several hosts: use redis+cluster:// for the seed nodes of a cluster');
  let db = 0;
  if (path !== '') {
    if (!/^\d{1,5}$/.test(path)) throw new UsageError('--database-url: the path of a Redis URL is a database number');
    db = Number(path);
    if (cluster && db !== 0) throw new UsageError('--database-url: a Redis Cluster has only database 0');
  }
  let username: string | undefined;
  let password: string | undefined;
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    const user = colon === -1 ? userinfo : userinfo.slice(0, colon);
    if (user !== '') username = decode(user, 'user name');
    if (colon !== -1) password = decode(userinfo.slice(colon + 1), 'password');
  }
  return { cluster, tls, nodes, db, ...(username === undefined ? {} : { username }), ...(password === undefined ? {} : { password }) };
}

/**
 * Where a target is, without credentials: `127.0.0.1:6379/0` or
 * `10.0.0.1:7000,10.0.0.2:7000`.
 *
 * @example redisWhere(parseRedisUrl('redis://u:pw@h:1/2')) // 'h:1/2'
 */
export function redisWhere(target: RedisTarget): string {
  const hosts = target.nodes.map(({ host, port }) => `${host.includes(':') ? `[${host}]` : host}:${port}`).join(',');
  return target.cluster ? hosts : `${hosts}/${target.db}`;
}
