/**
 * The CLI's store URLs without a store server: which engine a URL opens,
 * usage errors, unreachable and silent servers, a missing ioredis, and no
 * password ever printed. The runs against real PostgreSQL and Redis
 * servers are in test/cli-engines.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../scripts/free-port';
import { runCli } from '../scripts/docs';
import { describe as scrub, openStore } from '../src/cli/database';
import { parseRedisUrl, redisWhere } from '../src/cli/redis-url';
import { hidePackage } from './support/hide-package';

const ROOT = join(__dirname, '..');
const BIN = join(ROOT, 'dist', 'cli.js');
const PASSWORD = 's3cret-pw';

jest.setTimeout(30_000);

describe('parseRedisUrl', () => {
  test.each([
    ['redis://localhost', { cluster: false, tls: false, nodes: [{ host: 'localhost', port: 6379 }], db: 0 }],
    ['redis://127.0.0.1:7000/3', { cluster: false, tls: false, nodes: [{ host: '127.0.0.1', port: 7000 }], db: 3 }],
    ['REDISS://:p%40ss@cache.example:6380', { cluster: false, tls: true, nodes: [{ host: 'cache.example', port: 6380 }], db: 0, password: 'p@ss' }],
    ['redis://default:pw@[::1]:6390/0', { cluster: false, tls: false, nodes: [{ host: '::1', port: 6390 }], db: 0, username: 'default', password: 'pw' }],
    [
      'redis+cluster://app:pw@10.0.0.1:7000,10.0.0.2:7001,10.0.0.3',
      {
        cluster: true,
        tls: false,
        nodes: [
          { host: '10.0.0.1', port: 7000 },
          { host: '10.0.0.2', port: 7001 },
          { host: '10.0.0.3', port: 6379 },
        ],
        db: 0,
        username: 'app',
        password: 'pw',
      },
    ],
    ['rediss+cluster://10.0.0.1:7000/', { cluster: true, tls: true, nodes: [{ host: '10.0.0.1', port: 7000 }], db: 0 }],
    ['redis://user@h:1', { cluster: false, tls: false, nodes: [{ host: 'h', port: 1 }], db: 0, username: 'user' }],
  ])('%s', (url, expected) => {
    expect(parseRedisUrl(url)).toEqual(expected);
  });

  test.each([
    ['redis://:s3cret-pw@', /names no host/],
    ['redis://:s3cret-pw@h:0', /port outside/],
    ['redis://:s3cret-pw@h:65536', /port outside/],
    ['redis://:s3cret-pw@a:1,b:2', /use redis\+cluster:\/\//],
    ['redis+cluster://:s3cret-pw@a:1,b:2/1', /only database 0/],
    ['redis://:s3cret-pw@h:1/db', /database number/],
    ['redis://:s3cret-pw@h:1?db=2', /query parameters/],
    ['redis://:s3cret-pw%zz@h:1', /badly escaped password/],
    ['redis://:s3cret-pw@h:1:2', /not host or host:port/],
    ['memcached://:s3cret-pw@h:1', /not a redis:\/\//],
  ])('%s is a usage error that does not repeat the URL', (url, message) => {
    let error: unknown;
    try {
      parseRedisUrl(url);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ name: 'UsageError', message: expect.stringMatching(message) });
    expect((error as Error).message).not.toContain(PASSWORD);
  });

  test('redisWhere names the nodes and database, never the credentials', () => {
    expect(redisWhere(parseRedisUrl('redis://u:s3cret-pw@h:1/2'))).toBe('h:1/2');
    expect(redisWhere(parseRedisUrl('rediss+cluster://u:s3cret-pw@a:1,[::1]:2'))).toBe('a:1,[::1]:2');
  });
});

describe('describe (error text without the URL or its password)', () => {
  test.each([
    ['postgres://user:s3cret-pw@db:5432/app', 'connect to postgres://user:s3cret-pw@db:5432/app failed', 'connect to <database-url> failed'],
    ['redis://:s3cret-pw@h:1', 'AUTH s3cret-pw refused', 'AUTH <password> refused'],
    ['redis://:s3cret%2Dpw@h:1', 'AUTH s3cret-pw refused; raw s3cret%2Dpw', 'AUTH <password> refused; raw <password>'],
    ['postgres://db/app?user=u&password=s3cret-pw', 'password s3cret-pw was wrong', 'password <password> was wrong'],
    ['redis+cluster://u:s3cret-pw@a:1,b:2', 'first line\nsecond line s3cret-pw', 'first line'],
  ])('%s', (url, message, expected) => {
    expect(scrub(new Error(message), url)).toBe(expected);
  });
});

/** A URL of `scheme` pointing at loopback ports where nothing listens, with a password. */
async function closedUrl(scheme: string, nodes = 1): Promise<string> {
  const ports = await Promise.all(Array.from({ length: nodes }, () => freePort()));
  return `${scheme}://app:${PASSWORD}@${ports.map((p) => `127.0.0.1:${p}`).join(',')}`;
}

describe('a store that cannot be reached: exit 1, the reason, no password', () => {
  test.each([
    ['redis', 1, /expiry failed: Connection is closed: connect ECONNREFUSED 127\.0\.0\.1:\d+/],
    ['rediss', 1, /expiry failed: Connection is closed: connect ECONNREFUSED 127\.0\.0\.1:\d+/],
    ['redis+cluster', 2, /expiry failed: None of startup nodes is available/],
    ['rediss+cluster', 3, /expiry failed: None of startup nodes is available/],
  ])('expire and report over %s:// (%i node(s)) on closed ports', async (scheme, nodes, message) => {
    const url = await closedUrl(scheme, nodes);
    const expire = await runCli(['expire', '--database-url', url]);
    expect(expire.code).toBe(1);
    expect(expire.stdout).toBe('');
    expect(expire.stderr).toMatch(message);
    expect(expire.stderr.split('\n')).toHaveLength(2);
    const report = await runCli(['report', '--database-url', url, '--json']);
    expect(report.code).toBe(1);
    expect(report.stdout).toBe('');
    expect(report.stderr).toMatch(/^error: cannot read the store: /);
    for (const text of [expire.stderr, report.stderr]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain('app:');
    }
  });

  test('the bin exits on its own (no open handle) with code 1, one line on stderr and no stack', async () => {
    const url = await closedUrl('redis+cluster', 2);
    for (const args of [['expire', '--database-url', url], ['report', '--database-url', url]]) {
      const child = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
      expect(child.signal).toBeNull();
      expect(child.status).toBe(1);
      expect(child.stderr).toMatch(/^error: [^\n]*\n$/);
      expect(child.stderr).not.toContain(PASSWORD);
    }
  });
});

describe('a server that accepts the connection and never answers', () => {
  let server: Server;
  let port: number;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    server = createServer((socket) => {
      // Read (and drop) what the client sends, so its FIN is seen and the socket closes when the client lets go.
      socket.resume();
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  test.each(['redis', 'redis+cluster'])('%s://: connect gives up after the timeout and the connection is closed', async (scheme) => {
    const url = `${scheme}://:${PASSWORD}@127.0.0.1:${port}`;
    const opened = await openStore('expire', { databaseUrl: url, timeoutMs: 300 });
    let error: unknown;
    try {
      await opened.connect();
    } catch (e) {
      error = e;
    }
    await opened.close();
    expect(String(error)).not.toContain(PASSWORD);
    expect(scrub(error, url)).toMatch(/^(Redis|Redis Cluster) did not answer within 300 ms$|None of startup nodes is available/);
    // The client let go of its sockets: the server sees them closed.
    for (let i = 0; i < 100 && sockets.size > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sockets.size).toBe(0);
  });
});

describe('usage errors: exit 2, no password', () => {
  test.each([
    [['expire', '--database-url', `redis://:${PASSWORD}@a:1,b:2`], /several hosts/],
    [['expire', '--database-url', `redis://:${PASSWORD}@h:1`, '--schema', 'app'], /--schema and --table-prefix are for a PostgreSQL store/],
    [['report', '--database-url', `redis+cluster://:${PASSWORD}@h:1`, '--table-prefix', 'x_'], /--schema and --table-prefix are for a PostgreSQL store/],
    [['expire', '--database-url', `postgres://u:${PASSWORD}@h:1/db`, '--key-prefix', 'dl:'], /--key-prefix and --buckets are for a Redis store/],
    [['report', '--database-url', `postgres://u:${PASSWORD}@h:1/db`, '--buckets', '64'], /--key-prefix and --buckets are for a Redis store/],
    [['expire', '--database-url', `redis://:${PASSWORD}@h:1`, '--buckets', '100'], /buckets must be a power of two/],
    [['expire', '--database-url', `redis://:${PASSWORD}@h:1`, '--buckets', '0'], /--buckets/],
    [['expire', '--database-url', `redis://:${PASSWORD}@h:1`, '--key-prefix', '{x}'], /prefix must be a string without braces/],
    [['report', 'log.ndjson', '--database-url', `redis://:${PASSWORD}@h:1`], /not both/],
  ])('%j', async (args, message) => {
    const { code, stdout, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr).not.toContain(PASSWORD);
  });

  test('--json prints the usage error as JSON, without the password', async () => {
    const { code, stdout } = await runCli(['expire', '--json', '--database-url', `redis+cluster://:${PASSWORD}@h:1/2`]);
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toEqual({ error: { code: 'usage', message: '--database-url: a Redis Cluster has only database 0', exitCode: 2 } });
  });

  test('expire --help names every scheme and both engines’ options', async () => {
    const { code, stdout } = await runCli(['expire', '--help']);
    expect(code).toBe(0);
    for (const text of ['redis+cluster://', 'rediss', '--key-prefix <prefix>', '--buckets <n>', '--schema <name>', '--table-prefix <prefix>']) expect(stdout).toContain(text);
  });
});

describe('ioredis missing (hidden from the bin by a resolve hook)', () => {
  const hidden = hidePackage('ioredis');
  const bin = (args: string[]) => {
    const child = spawnSync(process.execPath, [...hidden.flags, BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
    return { code: child.status, stdout: child.stdout, stderr: child.stderr };
  };

  test('a Redis URL: exit 2, one line naming the package, no stack, no password', async () => {
    const url = await closedUrl('redis+cluster', 2);
    expect(bin(['expire', '--database-url', url])).toEqual({ code: 2, stdout: '', stderr: 'error: the expire command needs the ioredis package for a Redis store: npm install ioredis\n' });
    expect(bin(['report', '--database-url', url])).toEqual({ code: 2, stdout: '', stderr: 'error: the report command needs the ioredis package for a Redis store: npm install ioredis\n' });
    const json = bin(['expire', '--json', '--database-url', url]);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({ error: { code: 'usage', message: 'the expire command needs the ioredis package for a Redis store: npm install ioredis', exitCode: 2 } });
  });

  test('a PostgreSQL URL does not load ioredis: it goes on to pg (nothing listens: exit 1)', async () => {
    const port = await freePort();
    const result = bin(['expire', '--database-url', `postgres://u:${PASSWORD}@127.0.0.1:${port}/db`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: expiry failed: connect ECONNREFUSED/);
    expect(result.stderr).not.toContain(PASSWORD);
  });
});
