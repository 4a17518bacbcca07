/**
 * `rediss://`: the CLI speaks TLS to Redis with Node's default certificate
 * checks. Against a TLS-only redis-server with a self-signed certificate
 * (made here with openssl): refused as self-signed, accepted once the
 * certificate is trusted through NODE_EXTRA_CA_CERTS, and a plain
 * `redis://` URL cannot talk to it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../scripts/docs';
import { startRedisServer, type RedisServer } from './support/redis-server';

jest.setTimeout(60_000);

const ROOT = join(__dirname, '..');
const BIN = join(ROOT, 'dist', 'cli.js');
const PASSWORD = 's3cret-pw';
const dir = mkdtempSync(join(tmpdir(), 'delivery-cli-tls-'));
const cert = join(dir, 'cert.pem');
const key = join(dir, 'key.pem');
let server: RedisServer;

beforeAll(async () => {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], {
    stdio: 'ignore',
  });
  server = await startRedisServer({ password: PASSWORD, tls: { cert, key } });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('rediss:// checks the certificate: a self-signed one is refused (exit 1, the reason, no password)', async () => {
  const result = await runCli(['expire', '--database-url', `rediss://:${PASSWORD}@127.0.0.1:${server.port}`]);
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/^error: expiry failed: .*self-signed certificate/);
  expect(result.stderr).not.toContain(PASSWORD);
});

test('rediss:// with the certificate trusted (NODE_EXTRA_CA_CERTS): the commands run over TLS', () => {
  const env = { ...process.env, NODE_EXTRA_CA_CERTS: cert };
  const url = `rediss://:${PASSWORD}@127.0.0.1:${server.port}`;
  const expire = spawnSync(process.execPath, [BIN, 'expire', '--json', '--database-url', url], { cwd: ROOT, env, encoding: 'utf8', timeout: 30_000 });
  expect({ status: expire.status, stdout: expire.stdout, stderr: expire.stderr }).toEqual({ status: 0, stdout: '{"count":0,"messageIds":[]}\n', stderr: '' });
  const report = spawnSync(process.execPath, [BIN, 'report', '--json', '--database-url', url], { cwd: ROOT, env, encoding: 'utf8', timeout: 30_000 });
  expect(report.status).toBe(0);
  expect(JSON.parse(report.stdout)).toMatchObject({ source: 'store', messages: 0 });
});

test('redis:// (no TLS) cannot talk to a TLS-only server: exit 1', async () => {
  const result = await runCli(['expire', '--database-url', `redis://:${PASSWORD}@127.0.0.1:${server.port}`]);
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/^error: expiry failed: /);
  expect(result.stderr).not.toContain(PASSWORD);
});
