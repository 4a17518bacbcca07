/**
 * delivery-lifecycle/webhooks as users load it (the built package): the
 * verifiers are there, and loading them pulls in neither xstate nor the
 * PostgreSQL, diagram or CLI dependencies.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

test('package.json exports ./webhooks for require and import', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  expect(pkg.exports['./webhooks']).toEqual({
    import: { types: './dist/webhooks.d.mts', default: './dist/webhooks.mjs' },
    require: { types: './dist/webhooks.d.ts', default: './dist/webhooks.js' },
  });
  expect(pkg.sideEffects).toBe(false);
});

test.each([
  ['require', "const m = require('delivery-lifecycle/webhooks'); report(m);"],
  ['import', "import('delivery-lifecycle/webhooks').then(report);"],
])('%s loads the verifiers and no heavy dependency', (_how, load) => {
  const script = `
    function report(m) {
      const loaded = Object.keys(require.cache);
      console.log(JSON.stringify({ exports: Object.keys(m).sort(), heavy: loaded.filter((p) => /node_modules[\\\\/](xstate|pg|@electric-sql|@viz-js|commander|fast-check)[\\\\/]/.test(p)) }));
    }
    ${load}`;
  const child = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
  expect(child.stderr).toBe('');
  const out = JSON.parse(child.stdout) as { exports: string[]; heavy: string[] };
  expect(out.heavy).toEqual([]);
  expect(out.exports).toEqual(
    expect.arrayContaining(['VERIFIERS', 'createMemoryReplayCache', 'verifyInfobip', 'verifyMailgun', 'verifyPostmark', 'verifySendGrid', 'verifySns', 'verifyTwilio', 'verifyVonage', 'verifyWebhook']),
  );
});
