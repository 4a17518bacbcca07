// Parses SVG documents as XML with jsdom's DOMParser ('image/svg+xml'). jsdom 29 cannot be
// loaded by CommonJS jest, so the tests run this file as a child process.
// stdin: a JSON array of SVG texts; stdout: a JSON array of { ok, root, texts } or { ok: false, error }.
import process from 'node:process';
import { JSDOM } from 'jsdom';

const { DOMParser } = new JSDOM('').window;
let input = '';
for await (const chunk of process.stdin) input += chunk;
const results = JSON.parse(input).map((text) => {
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  const error = doc.getElementsByTagName('parsererror')[0];
  if (error !== undefined) return { ok: false, error: error.textContent.slice(0, 300) };
  const texts = [...doc.getElementsByTagName('text')].map((t) => t.textContent.trim());
  return { ok: true, root: doc.documentElement.tagName, texts };
});
process.stdout.write(JSON.stringify(results));
