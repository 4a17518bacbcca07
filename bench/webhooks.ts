/**
 * Load test of the webhook front door, on loopback only, bounded (it stops by
 * itself): at least 20,000 signed callbacks (Twilio, SendGrid batches,
 * Infobip batches, SES through SNS; about a third repeated, 2% forged) from
 * 32 concurrent keep-alive clients to a `node:http` server in a child
 * process, whose handlers apply to the PostgreSQL store and share the
 * PostgreSQL replay cache. Then the same genuine callbacks through handlers
 * built with `verify: false`, into a fresh schema: what verification costs.
 * Reports requests/s, p50/p99 latency, and checks 0 lost, 0 applied twice,
 * 0 forged accepted (by reading the tables back).
 *
 * npm run bench:webhooks [-- --smoke] [-- --fast] [-- --no-write]
 *
 * `--smoke` (CI, through `npm run bench -- --smoke`): a few hundred callbacks,
 * nothing written. `--fast`: PostgreSQL without fsync (default: durable).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { createPostgresReplayCache, createPostgresStore } from '../src/postgres';
import { createWebhookHandler, toNodeListener, type NodeListener } from '../src/webhooks';
import { startPostgres } from '../scripts/postgres-server';
import { rng, shuffle } from '../test/support/postgres';
import { callbacks, forgeries, plan, startServer, PUBLIC_ORIGIN, type Outgoing, type Planned, type Secrets } from '../test/support/webhook-scenario';
import { secrets as makeSecrets } from '../test/support/webhook-scenario';

const SMOKE = process.argv.includes('--smoke');
const FAST = SMOKE || process.argv.includes('--fast');
const WRITE = !SMOKE && !process.argv.includes('--no-write');
const CLIENTS = SMOKE ? 8 : 32;
const MIN_REQUESTS = SMOKE ? 300 : 20_000;
const DOC = join(__dirname, '..', 'docs', 'webhooks.md');
const START = '<!-- bench:webhooks:start -->';
const END = '<!-- bench:webhooks:end -->';

/** What the child process needs to build the handlers (public keys and shared secrets only). */
interface ServeConfig {
  readonly url: string;
  readonly schema: string;
  readonly verify: boolean;
  readonly twilioToken: string;
  readonly sendgridPublicKey: string;
  readonly certificatePem: string;
  readonly topic: string;
  readonly infobip: { username: string; password: string };
}

// ------------------------------------------------------------------ server (child process)

async function serve(config: ServeConfig): Promise<void> {
  const pool = new Pool({ connectionString: config.url, max: 16 });
  const store = createPostgresStore(pool, { schema: config.schema });
  const replayCache = createPostgresReplayCache(pool, { schema: config.schema });
  const v = config.verify;
  const routes: Record<string, NodeListener> = {
    '/twilio': toNodeListener(createWebhookHandler({ provider: 'twilio', verify: v && { authToken: config.twilioToken, publicUrl: PUBLIC_ORIGIN, replayCache }, store })),
    '/sendgrid': toNodeListener(createWebhookHandler({ provider: 'sendgrid', verify: v && { publicKey: config.sendgridPublicKey, replayCache }, store })),
    '/infobip': toNodeListener(createWebhookHandler({ provider: 'infobip', verify: v && config.infobip, store })),
    '/ses': toNodeListener(
      createWebhookHandler({ provider: 'ses', verify: v && { topicArns: [config.topic], fetchCertificate: async () => config.certificatePem, replayCache }, store }),
    ),
  };
  const server = await startServer((req, res) => {
    const route = routes[(req.url ?? '/').split('?', 1)[0]];
    if (route !== undefined) route(req, res);
    else res.writeHead(404).end();
  });
  process.send?.({ url: server.url });
  process.on('disconnect', () => {
    void server.close().then(() => pool.end()).then(() => process.exit(0));
  });
}

function startChild(config: ServeConfig): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--serve'], { execArgv: ['-r', 'ts-node/register/transpile-only'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (m) => resolve({ url: (m as { url: string }).url, child }));
    child.once('exit', (code) => reject(new Error(`the server process exited with ${String(code)}`)));
    child.send(config);
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.disconnect();
  });
}

// ------------------------------------------------------------------ load (this process)

interface Sent {
  readonly outgoing: Outgoing;
  readonly status: number;
  readonly ms: number;
}

/** Posts every request once from `CLIENTS` keep-alive connections; latency per request. */
async function load(base: string, outgoing: readonly Outgoing[]): Promise<{ sent: Sent[]; seconds: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const { hostname, port } = new URL(base);
  const sent: Sent[] = new Array(outgoing.length);
  let next = 0;
  const post = (o: Outgoing) =>
    new Promise<number>((resolve, reject) => {
      const url = new URL(o.request.url);
      const body = Buffer.from(o.request.body);
      const req = request(
        { host: hostname, port, method: 'POST', path: url.pathname + url.search, agent, headers: { ...(o.request.headers as Record<string, string>), 'content-length': String(body.length) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let i = next++; i < outgoing.length; i = next++) {
        const t0 = process.hrtime.bigint();
        const status = await post(outgoing[i]);
        sent[i] = { outgoing: outgoing[i], status, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return { sent, seconds };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

interface Checked {
  readonly requests: number;
  readonly events: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly statuses: string;
  readonly lost: number;
  readonly twice: number;
  readonly forgedAccepted: number;
  readonly forged: number;
}

/** Reads the tables back: messages not at their path's last status (lost), events recorded twice, forged callbacks answered other than 401. */
async function check(pool: Pool, schema: string, planned: readonly Planned[], run: { sent: Sent[]; seconds: number }): Promise<Checked> {
  const store = createPostgresStore(pool, { schema });
  const stored = new Map(
    (await pool.query<{ message_id: string; status: string }>(`SELECT message_id, status FROM ${store.tables.status}`)).rows.map((r) => [r.message_id, r.status]),
  );
  let lost = 0;
  let events = 0;
  const reported = new Map<string, number>();
  for (const m of planned) {
    events += m.path.length - 1;
    if (m.path.length > 1 && stored.get(m.messageId) !== m.path[m.path.length - 1]) lost++;
    for (const status of m.path.slice(1)) reported.set(`${m.messageId}\n${status}`, (reported.get(`${m.messageId}\n${status}`) ?? 0) + 1);
  }
  // Applied twice: an event id recorded twice, or a status recorded (not implied) more often than it was reported.
  const dupIds = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${store.tables.transition} WHERE event_id IS NOT NULL GROUP BY message_id, event_id HAVING count(*) > 1) d`,
  );
  let twice = dupIds.rows[0].n;
  const rows = await pool.query<{ message_id: string; to_status: string; n: number }>(
    `SELECT message_id, to_status, count(*)::int AS n FROM ${store.tables.transition} WHERE NOT implied GROUP BY 1, 2`,
  );
  const measured = new Set(planned.map((m) => m.messageId));
  for (const r of rows.rows) if (measured.has(r.message_id) && r.n > (reported.get(`${r.message_id}\n${r.to_status}`) ?? 0)) twice++;
  const forged = run.sent.filter((s) => s.outgoing.kind === 'forged');
  // Every genuine request must be answered 200, or 401 when it repeats one already processed (a replay).
  const genuineBad = run.sent.filter((s) => s.outgoing.kind === 'original' && s.status !== 200 && s.status !== 401).length;
  const byStatus = new Map<number, number>();
  for (const s of run.sent) byStatus.set(s.status, (byStatus.get(s.status) ?? 0) + 1);
  const latencies = run.sent.map((s) => s.ms).sort((a, b) => a - b);
  return {
    requests: run.sent.length,
    events,
    perSecond: run.sent.length / run.seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    statuses: [...byStatus].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}: ${n}`).join(', '),
    lost: lost + genuineBad,
    twice,
    forgedAccepted: forged.filter((s) => s.status !== 401).length,
    forged: forged.length,
  };
}

/** Enough planned messages for `MIN_REQUESTS` genuine requests (originals and repeats), plus forgeries: sized from a small sample, signed once. */
function workload(s: Secrets): { planned: Planned[]; outgoing: Outgoing[] } {
  const sample = plan('load', 200, 42);
  const perMessage = callbacks(sample, s, 43).length / sample.length;
  for (let count = Math.ceil((MIN_REQUESTS / perMessage) * 1.03); ; count = Math.ceil(count * 1.05)) {
    const random = rng(20261201);
    const planned = plan('load', count, 42);
    const genuine = callbacks(planned, s, 43);
    const forged = forgeries(planned, s).filter(() => random() < 0.05);
    // The genuine callbacks alone reach the minimum: the verify: false run posts only those.
    if (genuine.length >= MIN_REQUESTS) return { planned, outgoing: shuffle([...genuine, ...forged], rng(44)) };
  }
}

async function main(): Promise<void> {
  const server = await startPostgres({ durable: !FAST });
  const pool = new Pool({ connectionString: server.url, max: 4 });
  const s = makeSecrets();
  const base = {
    url: server.url,
    twilioToken: s.twilioToken,
    sendgridPublicKey: s.sendgrid.publicKeyBase64,
    certificatePem: s.sns.certificatePem,
    topic: s.topic,
    infobip: s.infobip,
  };
  try {
    console.log(`signing at least ${MIN_REQUESTS.toLocaleString('en')} callbacks…`);
    const { planned, outgoing } = workload(s);
    const results: { label: string; checked: Checked }[] = [];
    const failures: string[] = [];
    type Pick = (all: Outgoing[]) => Outgoing[];
    const everything: Pick = (all) => all;
    const genuine: Pick = (all) => all.filter((o) => o.kind !== 'forged');
    const originals: Pick = (all) => all.filter((o) => o.kind === 'original');
    let signedAt = Date.now();
    let signed = outgoing;
    const runs: { label: string; verify: boolean; requests: Pick }[] = [
      // The load as providers and attackers send it.
      { label: 'verified, all callbacks', verify: true, requests: everything },
      // The same genuine callbacks unverified (a forgery would be applied: none is sent).
      { label: '`verify: false`, the genuine ones', verify: false, requests: genuine },
      // The same database work on both sides (no repeats, which verification refuses cheaply as replays): what checking costs.
      { label: 'verified, first copies only', verify: true, requests: originals },
      { label: '`verify: false`, first copies only', verify: false, requests: originals },
      // On a shared machine one run can meet a burst of other load: each of this pair runs twice, in ABBA order, the better kept.
      ...(SMOKE
        ? []
        : [
            { label: '`verify: false`, first copies only', verify: false, requests: originals },
            { label: 'verified, first copies only', verify: true, requests: originals },
          ]),
    ];
    const load0 = os.loadavg()[0];
    for (const [index, { label, verify, requests: pick }] of runs.entries()) {
      const schema = `bench_wh_${index}_${process.pid}`;
      await createPostgresStore(pool, { schema }).migrate();
      await createPostgresReplayCache(pool, { schema }).migrate();
      const { url, child } = await startChild({ ...base, schema, verify });
      try {
        // Signed timestamps must stay inside the verifiers' window (SendGrid's is minutes): the same
        // callbacks are signed again, unmeasured, when the last signing is more than a minute old (always
        // under --smoke, so that CI runs this path).
        if (Date.now() - signedAt > (SMOKE ? 0 : 60_000)) {
          signed = workload(s).outgoing;
          signedAt = Date.now();
        }
        const requests = pick(signed);
        // Warm-up (JIT, prepared statements, connections) on other messages, not measured.
        const warm = plan(`warm-${schema}`, SMOKE ? 20 : 400, 7);
        await load(url, callbacks(warm, s, 8));
        console.log(`${label}: posting ${requests.length.toLocaleString('en')} callbacks from ${CLIENTS} clients…`);
        const run = await load(url, requests);
        const checked = await check(pool, schema, planned, run);
        if (checked.lost > 0 || checked.twice > 0 || checked.forgedAccepted > 0) failures.push(label);
        const earlier = results.findIndex((r) => r.label === label);
        if (earlier < 0) results.push({ label, checked });
        else if (checked.perSecond > results[earlier].checked.perSecond) results[earlier] = { label, checked };
      } finally {
        await stopChild(child);
        await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      }
    }
    const table = render(results);
    console.log(`\n${table}`);
    if (failures.length > 0) throw new Error(`correctness check failed: ${failures.join(', ')}`);
    if (WRITE) writeDoc(table, results, [load0, os.loadavg()[0]]);
  } finally {
    await pool.end();
    await server.stop();
  }
}

function render(results: readonly { label: string; checked: Checked }[]): string {
  const lines = [
    '| handler | requests | events | requests/s | p50 | p99 | answers | lost | applied twice | forged accepted |',
    '|---|---:|---:|---:|---:|---:|---|---:|---:|---:|',
  ];
  for (const { label, checked: c } of results) {
    lines.push(
      `| ${label} | ${c.requests.toLocaleString('en')} | ${c.events.toLocaleString('en')} | ${Math.round(c.perSecond).toLocaleString('en')} | ${c.p50.toFixed(1)} ms | ${c.p99.toFixed(1)} ms | ${c.statuses} | ${c.lost} | ${c.twice} | ${c.forged === 0 ? 'n/a (none sent)' : `${c.forgedAccepted} of ${c.forged}`} |`,
    );
  }
  const by = (label: string) => results.find((r) => r.label === label)?.checked;
  const pair = (a: Checked | undefined, b: Checked | undefined, what: string) => {
    if (a === undefined || b === undefined) return;
    lines.push(
      `- ${what}: ${Math.round(a.perSecond)} vs ${Math.round(b.perSecond)} requests/s verified vs not (${(a.perSecond / b.perSecond).toFixed(2)}×), p99 ${a.p99.toFixed(1)} vs ${b.p99.toFixed(1)} ms.`,
    );
  };
  lines.push('');
  pair(by('verified, all callbacks'), by('`verify: false`, the genuine ones'), 'Same load (the verified run also refuses the forgeries, and refuses repeated copies as replays with a 401 before the database)');
  pair(by('verified, first copies only'), by('`verify: false`, first copies only'), 'Same database work (first copies only): what verifying costs');
  return lines.join('\n');
}

function writeDoc(table: string, results: readonly { label: string; checked: Checked }[], loads: readonly number[]): void {
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, PostgreSQL ${FAST ? 'without fsync (`--fast`)' : 'with default durability'}, ${new Date().toISOString().slice(0, 10)}`;
  const block = [
    START,
    `Measured by \`npm run bench:webhooks\` (${machine}); ${CLIENTS} keep-alive clients, server in its own process, loopback.`,
    `${results[0].checked.requests.toLocaleString('en')} requests carry ${results[0].checked.events.toLocaleString('en')} status events.`,
    `The machine was shared: load average ${loads.map((l) => l.toFixed(1)).join(' at the start, ')} at the end, so the figures are noisy; the first-copies pair ran twice (ABBA), the better of each kept.`,
    '',
    table,
    END,
  ].join('\n');
  const doc = readFileSync(DOC, 'utf8');
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/webhooks.md has no ${START} … ${END} region`);
  writeFileSync(DOC, doc.slice(0, start) + block + doc.slice(end + END.length));
  console.log('wrote docs/webhooks.md');
}

if (process.argv.includes('--serve')) {
  process.once('message', (config) => {
    serve(config as ServeConfig).catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
  });
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
