/**
 * `@viz-js/viz` is an optional peer dependency: the built package must load
 * it lazily and, when it is absent, reject with a LifecycleError naming it.
 * Absence is simulated in a child process by a module resolve hook that
 * refuses the package, for the CommonJS and the ES build; the rest of the diagram
 * subpath keeps working.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { hidePackage } from './support/hide-package';

const DIST = join(__dirname, '..', 'dist');

const { esm: HIDE_ESM, cjs: HIDE_CJS } = hidePackage('@viz-js/viz');

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 60_000 });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
}

const PROBE = (load: string): string => `
${load}
const out = { mermaid: diagram.toMermaid('sms').startsWith('stateDiagram-v2') };
diagram.toSvg('sms').then(
  () => { out.svg = 'rendered'; console.log(JSON.stringify(out)); },
  (error) => { Object.assign(out, { name: error.name, code: error.code, message: error.message, isLifecycleError: index.isLifecycleError(error) }); console.log(JSON.stringify(out)); },
);`;

const CJS_PROBE = PROBE(`const diagram = require(${JSON.stringify(join(DIST, 'diagram.js'))}); const index = require(${JSON.stringify(join(DIST, 'index.js'))});`);
const ESM_PROBE = PROBE(
  `const diagram = await import(${JSON.stringify(pathToFileURL(join(DIST, 'diagram.mjs')).href)}); const index = await import(${JSON.stringify(pathToFileURL(join(DIST, 'index.mjs')).href)});`,
);

const MISSING = {
  mermaid: true,
  name: 'LifecycleError',
  code: 'missing_dependency',
  message: 'SVG output needs the optional peer dependency @viz-js/viz: npm install @viz-js/viz',
  isLifecycleError: true,
};

describe('@viz-js/viz is optional', () => {
  test('CommonJS build without it: toSvg rejects with missing_dependency naming the package; toMermaid works', () => {
    const result = run(['-e', `${HIDE_CJS}\n${CJS_PROBE}`]);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual(MISSING);
  });

  test('ES build without it: the same', () => {
    const result = run(['--input-type=module', '-e', `${HIDE_ESM}\n${ESM_PROBE}`]);
    expect(JSON.parse(result.stdout)).toEqual(MISSING);
  });

  test('with it installed, the same probe renders (the hook, not the probe, makes the difference)', () => {
    expect(JSON.parse(run(['-e', CJS_PROBE]).stdout)).toEqual({ mermaid: true, svg: 'rendered' });
    expect(JSON.parse(run(['--input-type=module', '-e', ESM_PROBE]).stdout)).toEqual({ mermaid: true, svg: 'rendered' });
  });

  test('the CLI names the package too, exit 2, no stack trace', () => {
    const result = run(['-e', `${HIDE_CJS}\nprocess.argv.splice(1, 0, 'cli'); require(${JSON.stringify(join(DIST, 'cli.js'))});`, 'diagram', 'sms', '--format', 'svg']);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('error: SVG output needs the optional peer dependency @viz-js/viz: npm install @viz-js/viz\n');
    expect(result.code).toBe(2);
  });
});
