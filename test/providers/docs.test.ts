import { readFileSync } from 'node:fs';
import { PROVIDERS_DOC, renderProvidersDoc } from '../../scripts/providers-docs';
import { PROVIDER_MAPPINGS } from '../../src/providers';

test('docs/providers.md is the file `npm run docs:providers` generates from the tables and notes', () => {
  // On failure: run `npm run docs:providers` and commit the result.
  expect(readFileSync(PROVIDERS_DOC, 'utf8')).toBe(renderProvidersDoc());
});

test('the generated document has a section and a row for every table entry', () => {
  const doc = renderProvidersDoc('');
  for (const mapping of PROVIDER_MAPPINGS) {
    expect(doc).toContain(`\`${mapping.fn}\` (${mapping.channel})`);
    for (const row of mapping.rows) expect(doc).toContain(`| ${row.match.map((v) => `\`${v}\``).join(' | ')} |`);
  }
});

test('the hand-written notes are part of the generated document', () => {
  expect(renderProvidersDoc('## A note kept by hand')).toContain('## A note kept by hand');
  expect(readFileSync(PROVIDERS_DOC, 'utf8')).toContain('### Differences from the first design');
});
