/**
 * A status-callback server: every provider whose secrets are in the
 * environment gets its route (`POST /webhooks/<provider>`), verified, mapped
 * and applied to the PostgreSQL store, with a replay cache shared through the
 * database. `GET /messages/<id>` shows a message's status and history.
 *
 *   npm run example:webhooks                       # PGlite, embedded, in memory
 *   DATABASE_URL=postgres://… npm run example:webhooks
 *
 * Secrets (a provider without its secrets is not mounted):
 *   TWILIO_AUTH_TOKEN [TWILIO_PUBLIC_URL]   SENDGRID_WEBHOOK_PUBLIC_KEY
 *   MAILGUN_SIGNING_KEY                     POSTMARK_USERNAME POSTMARK_PASSWORD
 *   SES_TOPIC_ARNS AWS_SMS_TOPIC_ARNS (comma-separated)
 *   VONAGE_SIGNATURE_SECRET                 INFOBIP_USERNAME INFOBIP_PASSWORD
 * With none of them set, Twilio is mounted with a demo token and the server
 * prints a signed `curl` to try.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPostgresReplayCache, createPostgresStore, type PostgresStore } from '../src/postgres';
import { createWebhookHandler, toNodeListener, type NodeListener, type ReplayCache, type WebhookProvider } from '../src/webhooks';

type Env = Readonly<Record<string, string | undefined>>;

/** The handlers the environment configures, by provider. */
function handlers(env: Env, store: PostgresStore, replayCache: ReplayCache): Partial<Record<WebhookProvider, NodeListener>> {
  const log = (provider: string) => (r: { kind: string; code: string; message: string }) => console.warn(`[${provider}] ${r.kind} refused: ${r.code}: ${r.message}`);
  const common = { store, onSideEvent: (e: { messageId?: string; detail?: string }) => console.log(`side event for ${e.messageId ?? '?'}: ${e.detail ?? ''}`) };
  const out: Partial<Record<WebhookProvider, NodeListener>> = {};
  const topics = (name: string) => (env[name] ?? '').split(',').map((t) => t.trim()).filter((t) => t !== '');
  if (env.TWILIO_AUTH_TOKEN) {
    const publicUrl = env.TWILIO_PUBLIC_URL;
    out.twilio = toNodeListener(
      createWebhookHandler({ ...common, provider: 'twilio', verify: { authToken: env.TWILIO_AUTH_TOKEN, replayCache, ...(publicUrl ? { publicUrl } : {}) }, onRejected: log('twilio') }),
    );
  }
  if (env.SENDGRID_WEBHOOK_PUBLIC_KEY) {
    out.sendgrid = toNodeListener(createWebhookHandler({ ...common, provider: 'sendgrid', verify: { publicKey: env.SENDGRID_WEBHOOK_PUBLIC_KEY, replayCache }, onRejected: log('sendgrid') }));
  }
  if (env.MAILGUN_SIGNING_KEY) {
    out.mailgun = toNodeListener(createWebhookHandler({ ...common, provider: 'mailgun', verify: { signingKey: env.MAILGUN_SIGNING_KEY, replayCache }, onRejected: log('mailgun') }));
  }
  if (env.POSTMARK_USERNAME && env.POSTMARK_PASSWORD) {
    out.postmark = toNodeListener(
      createWebhookHandler({ ...common, provider: 'postmark', verify: { username: env.POSTMARK_USERNAME, password: env.POSTMARK_PASSWORD }, onRejected: log('postmark') }),
    );
  }
  if (topics('SES_TOPIC_ARNS').length > 0) {
    out.ses = toNodeListener(createWebhookHandler({ ...common, provider: 'ses', verify: { topicArns: topics('SES_TOPIC_ARNS'), replayCache }, onRejected: log('ses') }));
  }
  if (topics('AWS_SMS_TOPIC_ARNS').length > 0) {
    out['aws-sms'] = toNodeListener(createWebhookHandler({ ...common, provider: 'aws-sms', verify: { topicArns: topics('AWS_SMS_TOPIC_ARNS'), replayCache }, onRejected: log('aws-sms') }));
  }
  if (env.VONAGE_SIGNATURE_SECRET) {
    out.vonage = toNodeListener(createWebhookHandler({ ...common, provider: 'vonage', verify: { signatureSecret: env.VONAGE_SIGNATURE_SECRET, replayCache }, onRejected: log('vonage') }));
  }
  if (env.INFOBIP_USERNAME && env.INFOBIP_PASSWORD) {
    out.infobip = toNodeListener(
      createWebhookHandler({ ...common, provider: 'infobip', verify: { username: env.INFOBIP_USERNAME, password: env.INFOBIP_PASSWORD }, onRejected: log('infobip') }),
    );
  }
  return out;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
}

/** How Twilio signs a form POST: HMAC-SHA1 over the URL and the sorted name+value pairs (for the demo `curl`). */
function twilioSignature(token: string, url: string, params: Record<string, string>): string {
  const data = url + Object.keys(params).sort().map((k) => k + params[k]).join('');
  return createHmac('sha1', token).update(data, 'utf8').digest('base64');
}

export interface WebhookServer {
  readonly url: string;
  readonly providers: readonly WebhookProvider[];
  /** With no secrets configured: the demo token and a signed request to try. */
  readonly demo?: { readonly token: string; readonly url: string; readonly body: string; readonly signature: string };
  close(): Promise<void>;
}

/**
 * Starts the server: the database (`DATABASE_URL`, else an embedded PGlite),
 * the store and replay-cache tables, and one route per configured provider.
 */
export async function startWebhookServer(env: Env = process.env, port = Number(env.PORT ?? 8080)): Promise<WebhookServer> {
  let db: unknown;
  let closeDb: () => Promise<void>;
  if (env.DATABASE_URL) {
    const { Pool } = await import('pg');
    const pool = new Pool({ connectionString: env.DATABASE_URL });
    db = pool;
    closeDb = () => pool.end();
  } else {
    const { PGlite } = await import('@electric-sql/pglite');
    const lite = new PGlite(env.PGLITE_DIR);
    db = lite;
    closeDb = () => lite.close();
  }
  const store = createPostgresStore(db);
  const replayCache = createPostgresReplayCache(db);
  await store.migrate();
  await replayCache.migrate();

  const configured = Object.keys(handlers(env, store, replayCache)).length > 0;
  const demoToken = configured ? undefined : randomBytes(16).toString('hex');
  const routes = handlers(configured ? env : { ...env, TWILIO_AUTH_TOKEN: demoToken }, store, replayCache);

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    const hook = /^\/webhooks\/([a-z-]+)$/.exec(path);
    const route = hook === null ? undefined : routes[hook[1] as WebhookProvider];
    if (route !== undefined) return route(req, res);
    const message = /^\/messages\/(.+)$/.exec(path);
    if (req.method === 'GET' && message !== null) {
      const id = decodeURIComponent(message[1]);
      Promise.all([store.get(id), store.history(id)]).then(
        ([row, history]) => (row === undefined ? json(res, 404, { error: 'unknown message' }) : json(res, 200, { ...row, history })),
        () => json(res, 400, { error: 'bad message id' }),
      );
      return;
    }
    json(res, 404, { error: 'not found', routes: Object.keys(routes).map((p) => `POST /webhooks/${p}`) });
  });
  await new Promise<void>((resolve) => server.listen(port, env.HOST ?? '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${bound}`;
  let demo: WebhookServer['demo'];
  if (demoToken !== undefined) {
    const params = { MessageSid: 'SMdemo0001', MessageStatus: 'delivered', AccountSid: 'ACdemo' };
    const hookUrl = `${url}/webhooks/twilio`;
    demo = { token: demoToken, url: hookUrl, body: new URLSearchParams(params).toString(), signature: twilioSignature(demoToken, hookUrl, params) };
  }
  return {
    url,
    providers: Object.keys(routes) as WebhookProvider[],
    ...(demo === undefined ? {} : { demo }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await closeDb();
    },
  };
}

async function main(): Promise<void> {
  const server = await startWebhookServer();
  console.log(`listening on ${server.url} (${process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded PGlite'})`);
  for (const p of server.providers) console.log(`  POST ${server.url}/webhooks/${p}`);
  console.log(`  GET  ${server.url}/messages/<id>`);
  if (server.demo !== undefined) {
    const d = server.demo;
    console.log('\nNo provider secrets set: Twilio is mounted with a demo token. Try a signed callback:\n');
    console.log(`  curl -i -X POST ${d.url} -H 'content-type: application/x-www-form-urlencoded' \\\n    -H 'x-twilio-signature: ${d.signature}' --data '${d.body}'`);
    console.log(`  curl ${server.url}/messages/SMdemo0001\n`);
  }
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
