/** A throwaway single redis-server (no persistence) on a free loopback port, optionally with a password, for the CLI tests. */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { freePort } from '../../scripts/free-port';
import { INSTALL_HINT } from '../../scripts/redis-cluster';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RedisServer {
  readonly port: number;
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  readonly password?: string;
  /** Serve TLS only (no plain port), with this certificate and key (PEM files); clients need not present certificates. */
  readonly tls?: { readonly cert: string; readonly key: string };
}

/** Starts `redis-server` and resolves once it answers PING (with the password and over TLS, when set). */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  if (!existsSync('/usr/bin/redis-server')) throw new Error(INSTALL_HINT);
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const tls = options.tls;
    const listen = tls === undefined ? ['--port', String(port)] : ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.cert, '--tls-key-file', tls.key, '--tls-ca-cert-file', tls.cert, '--tls-auth-clients', 'no'];
    const args = [...listen, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'];
    if (options.password !== undefined) args.push('--requirepass', options.password);
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    const stop = () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      });
    const auth = [...(options.password === undefined ? [] : ['--no-auth-warning', '-a', options.password]), ...(tls === undefined ? [] : ['--tls', '--cacert', tls.cert])];
    for (let tries = 0; tries < 600 && child.exitCode === null && child.signalCode === null; tries++) {
      try {
        if ((await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...auth, 'ping'], { encoding: 'utf8' })).stdout.trim() === 'PONG') return { port, stop };
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    await stop();
    if (attempt >= 4) throw new Error(`redis-server on port ${port} did not start`);
  }
}
