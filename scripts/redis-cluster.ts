/**
 * A throwaway Redis Cluster for the integration tests, the failover test and
 * the benchmark: 3 masters and 3 replicas of Debian's `redis-server` on free
 * loopback ports, each in its own temporary directory (AOF on), joined with
 * `redis-cli --cluster create --cluster-replicas 1 --cluster-yes`, and all
 * removed when stopped.
 *
 * Run `npm run redis:start` to keep one running; it prints the node list,
 * and Ctrl-C stops and removes it.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { freePort } from './free-port';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface RedisNode {
  readonly host: string;
  readonly port: number;
  /** The server's process id (for a failover test's `kill -9`). */
  readonly pid: number;
}

export interface RedisCluster {
  /** Every node, masters and replicas, as `redis-cli --cluster create` got them. */
  readonly nodes: readonly RedisNode[];
  /** Stops every server still running and deletes the directories. */
  stop(): Promise<void>;
}

export interface StartClusterOptions {
  /** Masters (default 3); each gets `replicas` replicas. */
  readonly masters?: number;
  /** Replicas per master (default 1). */
  readonly replicas?: number;
  /** `appendfsync` of the AOF: `everysec` (default, Redis's own default) or `always`. */
  readonly appendfsync?: 'everysec' | 'always' | 'no';
  /** `cluster-node-timeout` in ms: how long a master may be silent before its replica takes over (default 2000). */
  readonly nodeTimeoutMs?: number;
}

export const INSTALL_HINT = 'redis-server and redis-cli were not found. Install them with `apt-get update && apt-get install -y redis-server` (Debian/Ubuntu).';


/** A port for a node: its cluster bus uses port + 10000, so both must be free and below 65536. */
async function nodePort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 10000 > 65535 || taken.has(port)) continue;
    const bus = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port + 10000, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (!bus) continue;
    taken.add(port);
    return port;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function cli(port: number, ...args: string[]): Promise<string> {
  return (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8' })).stdout;
}

/** Starts a cluster. Throws with {@link INSTALL_HINT} when the binaries are missing. */
export async function startRedisCluster(options: StartClusterOptions = {}): Promise<RedisCluster> {
  if (!existsSync('/usr/bin/redis-server') || !existsSync('/usr/bin/redis-cli')) throw new Error(INSTALL_HINT);
  const masters = options.masters ?? 3;
  const replicas = options.replicas ?? 1;
  const dir = mkdtempSync(join(tmpdir(), 'delivery-lifecycle-redis-'));
  const children: ChildProcess[] = [];
  const nodes: RedisNode[] = [];
  const stop = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const taken = new Set<number>();
    /** Starts one server on a free port; a server that exits at once (its port taken meanwhile) is started again on another. */
    const startNode = async (): Promise<RedisNode> => {
      for (let attempt = 0; ; attempt++) {
        const port = await nodePort(taken);
        const home = join(dir, String(port));
        const conf = join(dir, `${port}.conf`);
        mkdirSync(home, { recursive: true });
        writeFileSync(
          conf,
          [
            `port ${port}`,
            'bind 127.0.0.1',
            `dir ${home}`,
            'cluster-enabled yes',
            'cluster-config-file nodes.conf',
            `cluster-node-timeout ${options.nodeTimeoutMs ?? 2000}`,
            'appendonly yes',
            `appendfsync ${options.appendfsync ?? 'everysec'}`,
            'save ""',
            'daemonize no',
            'protected-mode yes',
            'loglevel warning',
            `logfile ${join(home, 'redis.log')}`,
          ].join('\n'),
        );
        const child = spawn('redis-server', [conf], { stdio: 'ignore' });
        children.push(child);
        // A loaded machine (parallel test workers) can take seconds to start a server: wait up to 30 s.
        for (let tries = 0; tries < 600 && child.exitCode === null && child.signalCode === null; tries++) {
          try {
            if ((await cli(port, 'ping')).trim() === 'PONG') return { host: '127.0.0.1', port, pid: child.pid as number };
          } catch {
            // not listening yet
          }
          await sleep(50);
        }
        if (attempt >= 4) throw new Error(`redis-server on port ${port} did not start`);
        child.kill('SIGKILL');
      }
    };
    for (let i = 0; i < masters * (1 + replicas); i++) nodes.push(await startNode());
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `${n.host}:${n.port}`), '--cluster-replicas', String(replicas), '--cluster-yes'], {
      encoding: 'utf8',
    });
    // Ready when every node sees the cluster as ok and every replica is attached to its master.
    for (let tries = 0; ; tries++) {
      const states = await Promise.all(nodes.map((n) => cli(n.port, 'cluster', 'info')));
      const roles = await Promise.all(nodes.map((n) => cli(n.port, 'info', 'replication')));
      const linked = roles.filter((r) => /role:slave/.test(r) && /master_link_status:up/.test(r)).length;
      if (states.every((s) => /cluster_state:ok/.test(s)) && linked === masters * replicas) break;
      if (tries > 600) throw new Error('the Redis cluster did not become ready');
      await sleep(100);
    }
    return { nodes, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

if (require.main === module) {
  void (async () => {
    const cluster = await startRedisCluster();
    process.stdout.write(`Redis Cluster up: ${cluster.nodes.map((n) => `${n.host}:${n.port}`).join(' ')}\nCtrl-C stops and removes it.\n`);
    const end = () => void cluster.stop().then(() => process.exit(0));
    process.on('SIGINT', end);
    process.on('SIGTERM', end);
  })();
}
