// Parses Mermaid diagrams with the real Mermaid parser. Mermaid 11 is ESM-only and
// needs a DOM, so the jest tests run this file as a child process.
// stdin: a JSON array of diagram texts; stdout: a JSON array of
// { ok, type, states: [id, …], relations: [{ from, to, label }, …] } or { ok: false, error }.
import process from 'node:process';
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>', { pretendToBeVisual: true });
globalThis.window = dom.window;
globalThis.document = dom.window.document;
for (const key of ['DOMParser', 'Element', 'HTMLElement', 'SVGElement', 'Node']) globalThis[key] ??= dom.window[key];

const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });

let input = '';
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const text of JSON.parse(input)) {
  try {
    const parsed = await mermaid.parse(text);
    // What the parser understood, not only that it did not throw.
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    const db = diagram.db;
    db.extract?.(db.getRootDocV2?.().doc ?? []);
    const states = [...db.getStates().entries()].map(([id, state]) => ({ id, descriptions: state.descriptions ?? [] }));
    const relations = (db.getRelations() ?? []).map((r) => ({ from: r.id1, to: r.id2, label: r.relationTitle ?? '' }));
    results.push({ ok: true, type: parsed.diagramType, states, relations });
  } catch (error) {
    results.push({ ok: false, error: String(error?.message ?? error).slice(0, 500) });
  }
}
process.stdout.write(JSON.stringify(results));
