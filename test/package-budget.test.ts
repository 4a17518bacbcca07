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

test('requiring the core loads no optional dependency', () => {
  const child = spawnSync(process.execPath, ['-e', "require('./dist/index.js'); console.log(JSON.stringify(Object.keys(require.cache)))"], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const loaded = JSON.parse(child.stdout) as string[];
  expect(loaded.filter((path) => /node_modules[\\/](@viz-js|@datadog|commander|pg|@electric-sql|fast-check)[\\/]/.test(path))).toEqual([]);
  expect(loaded.some((path) => /node_modules[\\/]xstate[\\/]/.test(path))).toBe(true);
});
