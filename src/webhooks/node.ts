import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebhookHandler } from './handler';

/** A `node:http` request listener, as `http.createServer` and Express take it. */
export type NodeListener = (request: IncomingMessage, response: ServerResponse) => void;

const HOST = /^[A-Za-z0-9.-]{1,253}(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](?::\d{1,5})?$/;

/**
 * The request's body as a WHATWG stream that reads from the socket only as
 * fast as the handler pulls; cancelling it (the handler's 413) stops reading
 * and leaves the rest of the body unread.
 */
function bodyStream(request: IncomingMessage): ReadableStream<Uint8Array> {
  let stopped = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      request.on('data', (chunk: Buffer) => {
        if (stopped) return;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 0) <= 0) request.pause();
      });
      request.once('end', () => {
        if (!stopped) controller.close();
      });
      request.once('error', (error) => {
        if (!stopped) controller.error(error);
      });
      request.once('aborted', () => {
        if (!stopped) controller.error(new Error('the client aborted the request'));
      });
    },
    pull() {
      request.resume();
    },
    cancel() {
      stopped = true;
      request.pause();
    },
  }, { highWaterMark: 4 });
}

function toRequest(request: IncomingMessage): Request {
  const headers = new Headers();
  const raw = request.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
  const host = request.headers.host;
  const secure = (request.socket as { encrypted?: boolean }).encrypted === true;
  // The URL as this server saw it; verifiers that sign the URL (Twilio) take a publicUrl for what a proxy hides.
  const base = `${secure ? 'https' : 'http'}://${typeof host === 'string' && HOST.test(host) ? host : 'localhost'}`;
  const url = new URL(request.url ?? '/', base);
  const method = request.method ?? 'GET';
  if (method === 'GET' || method === 'HEAD') return new Request(url, { method, headers });
  return new Request(url, { method, headers, body: bodyStream(request), duplex: 'half' } as RequestInit);
}

async function send(request: IncomingMessage, response: ServerResponse, answer: Response): Promise<void> {
  const body = Buffer.from(await answer.arrayBuffer());
  const headers: Record<string, string> = {};
  answer.headers.forEach((value, name) => {
    headers[name] = value;
  });
  headers['content-length'] = String(body.byteLength);
  // A body left unread (405, 415, 413) is not drained: the connection closes instead.
  if (headers.connection === 'close' || !request.complete) {
    headers.connection = 'close';
    response.shouldKeepAlive = false;
  }
  response.writeHead(answer.status, headers);
  response.end(body);
}

function fallback(response: ServerResponse, status: number, error: string): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const body = JSON.stringify({ ok: false, error });
  response.shouldKeepAlive = false;
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), connection: 'close' });
  response.end(body);
}

/**
 * Adapts a {@link WebhookHandler} to `node:http` (`http.createServer`,
 * Express, and Fastify or Koa through their raw request and response). The
 * body is streamed to the handler, never buffered here, so `maxBodyBytes`
 * holds; a request Node cannot turn into a WHATWG `Request` (an unusable URL
 * or header) is answered 400. Never throws.
 *
 * Mount it before any body parser: the signature covers the raw bytes.
 *
 * @example
 * import http from 'node:http';
 * const handler = createWebhookHandler({ provider: 'sendgrid', verify: { publicKey }, store });
 * http.createServer(toNodeListener(handler)).listen(8080);
 * // Express: app.post('/hooks/sendgrid', toNodeListener(handler))
 */
export function toNodeListener(handler: WebhookHandler): NodeListener {
  return (request, response) => {
    let web: Request;
    try {
      web = toRequest(request);
    } catch {
      fallback(response, 400, 'malformed_request');
      return;
    }
    handler(web).then(
      (answer) => send(request, response, answer),
      () => fallback(response, 503, 'unavailable'),
    ).catch(() => fallback(response, 503, 'unavailable'));
  };
}
