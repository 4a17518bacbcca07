/**
 * An end-to-end webhook scenario shared by the PGlite and PostgreSQL tests:
 * messages walk random legal paths (drawn from the xstate oracle, not from
 * src), each provider's callbacks for them are signed with the helpers of
 * test/support/webhooks.ts and posted over real HTTP (loopback) in shuffled
 * order with duplicates, through a store that sometimes fails (503) before
 * or after committing; the client retries a 503 as a provider does. Forged
 * callbacks are posted alongside.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KeyObject } from 'node:crypto';
import type { PostgresStore } from '../../src/postgres';
import { createWebhookHandler, toNodeListener, type NodeListener, type ReplayCache, type WebhookRequest, type WebhookStore } from '../../src/webhooks';
import { MACHINES, oracleFor } from './oracle';
import { rng, shuffle } from './postgres';
import { sendGridKeys, signSendGrid, signSns, signTwilio, snsSigner, withBasicAuth, type SnsSigner } from './webhooks';

export type ScenarioProvider = 'twilio' | 'infobip' | 'sendgrid' | 'ses';

/** Each provider's words for a catalog status, written from the providers' documentation (independently of src/providers). */
const TWILIO_WORDS: Record<string, string> = { SUBMITTED: 'sent', DELIVERED: 'delivered', UNDELIVERABLE: 'undelivered', FAILED: 'failed' };
const INFOBIP_WORDS: Record<string, [string, string]> = {
  SUBMITTED: ['PENDING', 'PENDING_ENROUTE'],
  DELIVERED: ['DELIVERED', 'DELIVERED_TO_HANDSET'],
  UNDELIVERABLE: ['UNDELIVERABLE', 'UNDELIVERABLE_NOT_DELIVERED'],
  EXPIRED: ['EXPIRED', 'EXPIRED_EXPIRED'],
  FAILED: ['REJECTED', 'REJECTED_NETWORK'],
};
const SENDGRID_WORDS: Record<string, Record<string, string>> = {
  SUBMITTED: { event: 'processed' },
  DEFERRED: { event: 'deferred' },
  DELIVERED: { event: 'delivered' },
  UNDELIVERABLE: { event: 'bounce', type: 'bounce' },
  REJECTED: { event: 'bounce', type: 'blocked' },
  DROPPED: { event: 'dropped' },
  OPEN: { event: 'open' },
  CLICKED: { event: 'click' },
};

function sesRecord(status: string, messageId: string, id: string, at: string): Record<string, unknown> {
  const mail = { messageId, timestamp: at };
  switch (status) {
    case 'SUBMITTED':
      return { eventType: 'Send', mail, send: {} };
    case 'DEFERRED':
      return { eventType: 'DeliveryDelay', mail, deliveryDelay: { timestamp: at, delayType: 'MailboxFull' } };
    case 'DELIVERED':
      return { eventType: 'Delivery', mail, delivery: { timestamp: at } };
    case 'UNDELIVERABLE':
      return { eventType: 'Bounce', mail, bounce: { bounceType: 'Permanent', bounceSubType: 'General', feedbackId: id, timestamp: at } };
    case 'REJECTED':
      return { eventType: 'Bounce', mail, bounce: { bounceType: 'Transient', bounceSubType: 'MailboxFull', feedbackId: id, timestamp: at } };
    case 'DROPPED':
      return { eventType: 'Reject', mail, reject: { reason: 'Bad content' } };
    case 'OPEN':
      return { eventType: 'Open', mail, open: { timestamp: at } };
    case 'CLICKED':
      return { eventType: 'Click', mail, click: { timestamp: at, link: 'https://example.com' } };
    default:
      throw new Error(`no SES record for ${status}`);
  }
}

/** A random legal path from the initial status, walked on the oracle's moves (self-loops included). */
export function oraclePath(channel: 'sms' | 'email', random: () => number, maxSteps = 6): string[] {
  const oracle = oracleFor(MACHINES[channel]);
  const path = [oracle.initial];
  for (let step = 0; step < maxSteps; step++) {
    const at = path[path.length - 1];
    const next = [...(oracle.step.get(at) ?? [])].filter((to) => oracle.can(at, to));
    if (oracle.can(at, at)) next.push(at);
    if (next.length === 0 || (step > 0 && random() < 0.15)) break;
    path.push(next[Math.floor(random() * next.length)]);
  }
  return path;
}

export interface Planned {
  readonly messageId: string;
  readonly channel: 'sms' | 'email';
  readonly provider: ScenarioProvider;
  readonly path: readonly string[];
}

/** `count` messages over the four providers (Twilio has no EXPIRED: such SMS paths go through Infobip). */
export function plan(prefix: string, count: number, seed: number): Planned[] {
  const random = rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const channel = i % 2 === 0 ? 'sms' : 'email';
    const path = oraclePath(channel, random);
    let provider: ScenarioProvider = (['twilio', 'sendgrid', 'infobip', 'ses'] as const)[i % 4];
    if (provider === 'twilio' && path.includes('EXPIRED')) provider = 'infobip';
    return { messageId: `${prefix}-${provider}-${i}`, channel, provider, path };
  });
}

export interface Secrets {
  readonly twilioToken: string;
  readonly sendgrid: { privateKey: KeyObject; publicKeyBase64: string };
  readonly sns: SnsSigner;
  readonly topic: string;
  readonly infobip: { username: string; password: string };
}

export function secrets(): Secrets {
  return {
    twilioToken: 'e2e-twilio-auth-token',
    sendgrid: sendGridKeys(),
    sns: snsSigner(),
    topic: 'arn:aws:sns:eu-west-1:123456789012:ses-events',
    infobip: { username: 'e2e', password: 'e2e-infobip-password' },
  };
}

export const PUBLIC_ORIGIN = 'https://hooks.example.com';

/** One handler per provider path, over `store`, sharing `replayCache` (default: each handler's own memory cache). */
export function listener(store: WebhookStore, s: Secrets, replayCache?: ReplayCache): NodeListener {
  const cache = replayCache === undefined ? {} : { replayCache };
  const routes: Record<string, NodeListener> = {
    '/twilio': toNodeListener(createWebhookHandler({ provider: 'twilio', verify: { authToken: s.twilioToken, publicUrl: PUBLIC_ORIGIN, ...cache }, store })),
    '/sendgrid': toNodeListener(createWebhookHandler({ provider: 'sendgrid', verify: { publicKey: s.sendgrid.publicKeyBase64, ...cache }, store })),
    '/infobip': toNodeListener(createWebhookHandler({ provider: 'infobip', verify: { ...s.infobip }, store })),
    '/ses': toNodeListener(
      createWebhookHandler({ provider: 'ses', verify: { topicArns: [s.topic], fetchCertificate: async () => s.sns.certificatePem, ...cache }, store }),
    ),
  };
  return (req, res) => {
    const route = routes[new URL(req.url ?? '/', 'http://x').pathname];
    if (route !== undefined) route(req, res);
    else res.writeHead(404).end();
  };
}

export async function startServer(handle: NodeListener): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A callback to post: the signed request, whether it is genuine, and whether it repeats another. */
export interface Outgoing {
  readonly path: string;
  readonly request: WebhookRequest;
  readonly kind: 'original' | 'duplicate' | 'forged';
}

let counter = 0;

/** Every callback the planned messages cause, signed, shuffled in windows of 12 messages, with about a third repeated. */
export function callbacks(planned: readonly Planned[], s: Secrets, seed: number): Outgoing[] {
  const random = rng(seed);
  const out: Outgoing[] = [];
  const nowSeconds = Math.floor(Date.now() / 1000);
  for (let w = 0; w < planned.length; w += 12) {
    const window: Outgoing[] = [];
    const sendgridEvents: Record<string, unknown>[] = [];
    const infobipEntries: Record<string, unknown>[] = [];
    for (const m of planned.slice(w, w + 12)) {
      m.path.slice(1).forEach((status, i) => {
        const at = new Date((nowSeconds - 60 + i) * 1000).toISOString();
        const eventId = `${m.messageId}/${i}`;
        if (m.provider === 'twilio') {
          const params = { AccountSid: 'AC0001', MessageSid: m.messageId, MessageStatus: TWILIO_WORDS[status], SmsSid: m.messageId };
          window.push({ path: '/twilio', kind: 'original', request: signTwilio({ authToken: s.twilioToken, url: `${PUBLIC_ORIGIN}/twilio`, params }) });
        } else if (m.provider === 'infobip') {
          const [groupName, name] = INFOBIP_WORDS[status];
          infobipEntries.push({ messageId: m.messageId, to: '385981178', doneAt: at.replace('Z', '+0000'), status: { groupName, name } });
        } else if (m.provider === 'sendgrid') {
          sendgridEvents.push({ sg_message_id: m.messageId, sg_event_id: eventId, email: 'r@example.com', timestamp: nowSeconds - 60 + i, ...SENDGRID_WORDS[status] });
        } else {
          const message = JSON.stringify(sesRecord(status, m.messageId, eventId, at));
          window.push({ path: '/ses', kind: 'original', request: signSns({ message, topicArn: s.topic, timestamp: new Date().toISOString(), messageId: `sns-${eventId}` }, s.sns) });
        }
      });
    }
    // Providers batch what they have: SendGrid and Infobip callbacks carry up to 4 events, mixed across messages.
    shuffle(sendgridEvents, random);
    for (let i = 0; i < sendgridEvents.length; i += 4) {
      const body = JSON.stringify(sendgridEvents.slice(i, i + 4));
      window.push({ path: '/sendgrid', kind: 'original', request: signSendGrid({ privateKey: s.sendgrid.privateKey, body, timestampSeconds: nowSeconds }) });
    }
    shuffle(infobipEntries, random);
    for (let i = 0; i < infobipEntries.length; i += 4) {
      const body = JSON.stringify({ results: infobipEntries.slice(i, i + 4) });
      window.push({ path: '/infobip', kind: 'original', request: withBasicAuth(s.infobip.username, s.infobip.password, body, `${PUBLIC_ORIGIN}/infobip`) });
    }
    const repeats: Outgoing[] = window.filter(() => random() < 0.35).map((o) => ({ ...o, kind: 'duplicate' }));
    // SendGrid documents duplicate events: the same event again, in another (freshly signed) batch.
    for (const e of sendgridEvents.filter(() => random() < 0.2)) {
      const body = JSON.stringify([e]);
      repeats.push({ path: '/sendgrid', kind: 'duplicate', request: signSendGrid({ privateKey: s.sendgrid.privateKey, body, timestampSeconds: nowSeconds + ++counter % 5 }) });
    }
    out.push(...shuffle([...window, ...repeats], random));
  }
  return out;
}

/** Callbacks an attacker could send for the planned messages: wrong keys, wrong credentials, tampered bodies, a topic not allowed. */
export function forgeries(planned: readonly Planned[], s: Secrets): Outgoing[] {
  const out: Outgoing[] = [];
  const nowSeconds = Math.floor(Date.now() / 1000);
  const otherKeys = sendGridKeys();
  for (const m of planned) {
    if (m.provider === 'twilio') {
      const params = { MessageSid: m.messageId, MessageStatus: 'failed' };
      out.push({ path: '/twilio', kind: 'forged', request: signTwilio({ authToken: 'not-the-token', url: `${PUBLIC_ORIGIN}/twilio`, params }) });
      // Signed for another URL than the one configured.
      out.push({ path: '/twilio', kind: 'forged', request: signTwilio({ authToken: s.twilioToken, url: 'https://attacker.example/twilio', params }) });
    } else if (m.provider === 'infobip') {
      const body = JSON.stringify({ results: [{ messageId: m.messageId, status: { groupName: 'REJECTED', name: 'REJECTED_NETWORK' } }] });
      out.push({ path: '/infobip', kind: 'forged', request: withBasicAuth(s.infobip.username, 'guessed', body, `${PUBLIC_ORIGIN}/infobip`) });
    } else if (m.provider === 'sendgrid') {
      const body = JSON.stringify([{ sg_message_id: m.messageId, sg_event_id: `forged-${m.messageId}`, event: 'dropped', timestamp: nowSeconds }]);
      out.push({ path: '/sendgrid', kind: 'forged', request: signSendGrid({ privateKey: otherKeys.privateKey, body, timestampSeconds: nowSeconds }) });
      const genuine = signSendGrid({ privateKey: s.sendgrid.privateKey, body: body.replace('dropped', 'dropped '), timestampSeconds: nowSeconds });
      out.push({ path: '/sendgrid', kind: 'forged', request: { ...genuine, body: new TextEncoder().encode(body) } });
    } else {
      const message = JSON.stringify(sesRecord('DROPPED', m.messageId, 'x', new Date().toISOString()));
      const tampered = signSns({ message, topicArn: s.topic, timestamp: new Date().toISOString(), messageId: `forged-${m.messageId}` }, s.sns);
      const text = new TextDecoder().decode(tampered.body).replace('Reject', 'Delivery');
      out.push({ path: '/ses', kind: 'forged', request: { ...tampered, body: new TextEncoder().encode(text) } });
      const otherTopic = 'arn:aws:sns:eu-west-1:123456789012:not-ours';
      out.push({ path: '/ses', kind: 'forged', request: signSns({ message, topicArn: otherTopic, timestamp: new Date().toISOString(), messageId: `forged2-${m.messageId}` }, s.sns) });
    }
  }
  return out;
}

/**
 * A store that fails like a database under trouble: about `rate` of calls
 * throw before writing (down), and as many after writing (a timeout that
 * committed). Counts both.
 */
export function flaky(store: PostgresStore, seed: number, rate = 0.08): WebhookStore & { before: number; after: number } {
  const random = rng(seed);
  const wrapper = {
    before: 0,
    after: 0,
    async apply(messageId: string, channel: 'sms' | 'email', event: { status: string; id?: string; at?: string }) {
      const roll = random();
      if (roll < rate) {
        wrapper.before++;
        throw new Error('connection refused');
      }
      const result = await store.apply(messageId, channel, event);
      if (roll < 2 * rate) {
        wrapper.after++;
        throw new Error('statement timeout after commit');
      }
      return result;
    },
    async applyMany(items: readonly { messageId: string; channel: 'sms' | 'email'; event: { status: string; id?: string; at?: string } }[]) {
      const roll = random();
      if (roll < rate) {
        wrapper.before++;
        throw new Error('connection refused');
      }
      const results = await store.applyMany(items);
      if (roll < 2 * rate) {
        wrapper.after++;
        throw new Error('statement timeout after commit');
      }
      return results;
    },
  };
  return wrapper;
}

export interface PostOutcome {
  readonly outgoing: Outgoing;
  /** Every status answered, retries included. */
  readonly statuses: number[];
}

/** Posts `outgoing` to `bases` (round robin) from `concurrency` clients; a 503 is retried (up to 20 times) as a provider would. */
export async function postAll(bases: readonly string[], outgoing: readonly Outgoing[], concurrency: number): Promise<PostOutcome[]> {
  const results: PostOutcome[] = new Array(outgoing.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = next++; i < outgoing.length; i = next++) {
        const o = outgoing[i];
        const statuses: number[] = [];
        for (let attempt = 0; attempt < 20; attempt++) {
          const base = bases[(i + attempt + worker) % bases.length];
          const url = new URL(o.request.url);
          const response = await fetch(`${base}${url.pathname}${url.search}`, {
            method: o.request.method,
            headers: o.request.headers as Record<string, string>,
            body: o.request.body,
          });
          await response.arrayBuffer();
          statuses.push(response.status);
          if (response.status !== 503) break;
        }
        results[i] = { outgoing: o, statuses };
      }
    }),
  );
  return results;
}

