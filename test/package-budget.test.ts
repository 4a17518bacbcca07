/**
 * A size budget that a test checks (robot's bundlesize.json habit): each entry
 * of the built package, with the chunks it requires, stays within
 * size-budget.json, and the core entry loads none of the optional parts'
 * dependencies.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const DIST = join(ROOT, 'dist');
const budget = JSON.parse(readFileSync(join(ROOT, 'size-budget.json'), 'utf8')) as Record<string, number | string>;
const entries = Object.keys(budget).filter((key) => !key.startsWith('$'));

/** The entry and every chunk it requires, transitively. */
function closure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const match of readFileSync(join(DIST, file), 'utf8').matchAll(/require\(["']\.\/([^"']+)["']\)/g)) closure(match[1], seen);
  return seen;
}

test('the budget names every CommonJS entry the package exports', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    exports: Record<string, { require?: { default: string } } | string>;
    bin: Record<string, string>;
  };
  const exported = Object.values(pkg.exports)
    .flatMap((target) => (typeof target === 'string' ? [] : [target.require?.default]))
    .filter((path): path is string => path !== undefined)
    .concat(Object.values(pkg.bin))
    .map((path) => path.replace('./dist/', ''));
  expect(entries.sort()).toEqual([...new Set(exported)].sort());
});

test.each(entries)('%s with its chunks stays within its budget', (entry) => {
  const files = [...closure(entry)];
  const bytes = files.reduce((sum, file) => sum + statSync(join(DIST, file)).size, 0);
  expect({ entry, bytes, within: bytes <= Number(budget[entry]) }).toEqual({ entry, bytes, within: true });
});

/** The files a fresh CommonJS process has loaded after running `body` (with `L` the package root). */
function loadedAfter(body: string): string[] {
  const child = spawnSync(process.execPath, ['-e', `const L = require('./dist/index.js'); ${body}; console.log(JSON.stringify(Object.keys(require.cache)))`], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  expect(child.stderr).toBe('');
  return JSON.parse(child.stdout) as string[];
}

const XSTATE = /node_modules[\\/]xstate[\\/]/;

test('requiring the core loads no optional dependency', () => {
  const loaded = loadedAfter('');
  expect(loaded.filter((path) => /node_modules[\\/](@viz-js|@datadog|commander|pg|@electric-sql|fast-check)[\\/]/.test(path))).toEqual([]);
});

test('requiring the root and validating, reconciling and parsing loads no xstate and no machine', () => {
  const loaded = loadedAfter(
    "if (!L.canTransition('sms', 'SUBMITTED', 'DELIVERED')) throw new Error('check'); " +
      "L.checkTransition('email', 'SUBMITTED', 'OPEN'); L.applyStatus('email', 'SUBMITTED', 'bogus'); " +
      "L.reconcile('sms', [{ status: 'DELIVERED' }]); L.parseStatus('sms', 'failed'); L.createTracker('sms').apply({ status: 'SUBMITTED' }); " +
      "L.replayLines(['{\"message\":\"m\",\"channel\":\"sms\",\"status\":\"SUBMITTED\"}']); L.statusesFor('email')",
  );
  expect(loaded.filter((path) => XSTATE.test(path))).toEqual([]);
  // Nor the compiler or the machines: each built file's source map lists the sources bundled into it.
  const sources = loaded
    .filter((path) => path.startsWith(join(ROOT, 'dist')))
    .flatMap((path) => (JSON.parse(readFileSync(`${path}.map`, 'utf8')) as { sources: string[] }).sources.map((source) => source.replace(/^(\.\.\/)+/, '')));
  expect(sources).toContain('src/generated/lifecycles.ts');
  expect(sources.filter((source) => /^(machines\/(sms|email)|src\/(compile|channel|machine-for))\.ts$/.test(source))).toEqual([]);
});

test('delivery-lifecycle/machines gives the machines, which do load xstate', () => {
  const loaded = loadedAfter(
    "const M = require('./dist/machines.js'); if (M.machineFor('sms') !== M.smsMachine || M.smsMachine.id !== 'sms' || M.emailMachine.id !== 'email') throw new Error('machines')",
  );
  expect(loaded.some((path) => XSTATE.test(path))).toBe(true);
});

// Each CommonJS entry is one self-contained file (so the root loads as one
// file), and the ESM build is another copy again: what one copy makes, the
// others must accept.
describe('copies of the package in one process agree', () => {
  const run = (args: string[]) => spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });

  test('a lifecycle compiled by the CommonJS machines entry is genuine to the CommonJS root, and its errors are LifecycleErrors there', () => {
    const child = run([
      '-e',
      "const L = require('./dist/index.js'); const M = require('./dist/machines.js'); " +
        "const c = M.compileLifecycle(M.smsMachine, { name: 'copy' }); " +
        "let thrown; try { M.compileLifecycle({}, { name: 'bad' }); } catch (e) { thrown = e; } " +
        "console.log(JSON.stringify([L.isCompiledLifecycle(c), L.canTransition(c, 'SUBMITTED', 'DELIVERED'), thrown instanceof L.LifecycleError, L.isLifecycleError(thrown), thrown instanceof Error]))",
    ]);
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual([true, true, true, true, true]);
  });

  test('the ESM build and the CommonJS build accept each other’s lifecycles and errors', () => {
    const child = run([
      '--input-type=module',
      '-e',
      "import { createRequire } from 'node:module'; import * as M from './dist/machines.mjs'; import * as E from './dist/index.mjs'; " +
        "const L = createRequire(process.cwd() + '/')('./dist/index.js'); " +
        "const c = M.compileLifecycle(M.emailMachine, { name: 'esm' }); " +
        "let thrown; try { L.assertTransition('sms', 'DELIVERED', 'SUBMITTED'); } catch (e) { thrown = e; } " +
        "console.log(JSON.stringify([L.isCompiledLifecycle(c), E.isCompiledLifecycle(L.lifecycleOf('sms')), thrown instanceof E.LifecycleError, thrown.code]))",
    ]);
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual([true, true, true, 'stale']);
  });

  test('a look-alike is still refused, and a subclass keeps the plain prototype check', () => {
    const child = run([
      '-e',
      "const L = require('./dist/index.js'); class Sub extends L.LifecycleError {} " +
        "const fake = { ...L.lifecycleOf('sms') }; const plain = new L.LifecycleError('stale', 'x'); " +
        "console.log(JSON.stringify([L.isCompiledLifecycle(fake), ({ code: 'stale' }) instanceof L.LifecycleError, plain instanceof Sub, new Sub('stale', 'y') instanceof Sub, new Error('e') instanceof L.LifecycleError]))",
    ]);
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual([false, false, false, true, false]);
  });
});
