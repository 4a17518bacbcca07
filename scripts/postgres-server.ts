/**
 * A throwaway PostgreSQL server for the integration tests, the benchmark and
 * local development: initdb a cluster in a temporary directory, start it on a
 * free loopback port, and remove it all when stopped. With DATABASE_URL set,
 * that server is used instead and nothing is started.
 *
 * Run `npm run db:start` to keep one running; it prints the DATABASE_URL to
 * export, and Ctrl-C stops and removes it.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { freePort } from './free-port';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PostgresServer {
  /** A connection string for the server's `postgres` database. */
  readonly url: string;
  /** True when this process started the server (false with DATABASE_URL). */
  readonly owned: boolean;
  /** Stops the server and deletes its directory (a no-op for DATABASE_URL). */
  stop(): Promise<void>;
}

export interface StartOptions {
  /**
   * Keep PostgreSQL's crash safety (fsync, synchronous commit). Off by
   * default: a throwaway test cluster does not need it and tests run faster.
   */
  readonly durable?: boolean;
}

export const INSTALL_HINT =
  'PostgreSQL server binaries were not found under /usr/lib/postgresql/*/bin and DATABASE_URL is not set. ' +
  'Install them with `apt-get update && apt-get install -y postgresql` (Debian/Ubuntu), ' +
  'or set DATABASE_URL=postgres://user:password@host:port/database to use a running server.';

/** The newest Debian PostgreSQL bin directory, or undefined. */
export function findServerBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(root, versions[0], 'bin') : undefined;
}


const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** Runs a server binary, as the `postgres` user when we are root (initdb and postgres refuse root). */
function runAsServer(bin: string, args: string[]): string {
  const [file, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Starts a server (or returns DATABASE_URL's). Throws with {@link INSTALL_HINT} when neither is available. */
export async function startPostgres(options: StartOptions = {}): Promise<PostgresServer> {
  const external = process.env.DATABASE_URL;
  if (external !== undefined && external !== '') return { url: external, owned: false, stop: async () => {} };
  const bin = findServerBinaries();
  if (bin === undefined) throw new Error(INSTALL_HINT);
  const dir = mkdtempSync(join(tmpdir(), 'delivery-lifecycle-pg-'));
  const data = join(dir, 'data');
  if (isRoot()) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    runAsServer(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']);
    const port = await freePort();
    const settings = [
      `-p ${port}`,
      '-c listen_addresses=127.0.0.1',
      `-c unix_socket_directories=${dir}`,
      '-c max_connections=100',
      '-c shared_buffers=128MB',
      ...(options.durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
    ];
    runAsServer(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-o', settings.join(' '), '-w', '-t', '60', 'start']);
    let stopped = false;
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      owned: true,
      async stop() {
        if (stopped) return;
        stopped = true;
        try {
          runAsServer(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
        } finally {
          remove();
        }
      },
    };
  } catch (error) {
    remove();
    throw error;
  }
}

if (require.main === module) {
  startPostgres({ durable: process.argv.includes('--durable') }).then(
    (server) => {
      process.stdout.write(`PostgreSQL is running. In another shell:\n  export DATABASE_URL=${server.url}\nCtrl-C stops it and deletes its data.\n`);
      const stop = () => {
        server.stop().finally(() => process.exit(0));
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      setInterval(() => {}, 1 << 30);
    },
    (error: Error) => {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    },
  );
}
