// Reading and parsing a callback's body: bounded, and without prototype
// pollution. Private to the handler.

/** Thrown when the body passes the limit; the stream has been cancelled. */
export class TooLarge extends Error {}

/**
 * The body's bytes, reading at most `max` of them: a `content-length` above
 * the limit is refused before anything is read, and a stream that passes it
 * is cancelled at once (the rest is never read).
 */
export async function readBounded(request: Request, max: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared.trim()) > max) {
    await request.body?.cancel().catch(() => undefined);
    throw new TooLarge();
  }
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw new TooLarge();
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}

/** A record with no prototype: `__proto__` and `constructor` are plain keys in it. */
export type PlainRecord = Record<string, string>;

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The body as UTF-8 text, or `undefined` when it is not valid UTF-8. */
export function utf8(body: Uint8Array): string | undefined {
  try {
    return decoder.decode(body);
  } catch {
    return undefined;
  }
}

/**
 * An `application/x-www-form-urlencoded` body as a null-prototype record (a
 * repeated name keeps its first value). Any text parses: what is not a
 * `name=value` pair becomes a name with an empty value.
 */
export function parseForm(text: string): PlainRecord {
  const form: PlainRecord = Object.create(null) as PlainRecord;
  if (text === '') return form;
  for (const [name, value] of new URLSearchParams(text)) {
    if (!Object.prototype.hasOwnProperty.call(form, name)) form[name] = value;
  }
  return form;
}

/** JSON text parsed, or `undefined` when it is not JSON. (`JSON.parse` makes `__proto__` an own data key, never a prototype.) */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The media type of a `content-type` header, lower case, without parameters. */
export function mediaType(header: string | null): string | undefined {
  if (header === null) return undefined;
  const type = header.split(';', 1)[0].trim().toLowerCase();
  return type === '' ? undefined : type;
}
