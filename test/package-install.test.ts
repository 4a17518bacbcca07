/**
 * Done when a user can: the packed tarball installed into fresh ES module and
 * CommonJS projects runs the one-line demo, imports every subpath, and
 * compiles (strict, NodeNext) and runs the README's TypeScript examples.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, SUBPATHS, installedProject, packedFiles } from './support/installed';
import { readmeExamples } from './support/readme-examples';

const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const PEERS = ['pg', '@electric-sql/pglite', 'fast-check'];
const TYPES = ['@types/node', '@types/pg'];

function run(cwd: string, command: string, args: string[], timeout = 120_000): { code: number | null; stdout: string; stderr: string } {
  const child = spawnSync(command, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, NO_COLOR: '1' } });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
}

function tsconfig(dir: string, include: string[]): void {
  const compilerOptions = { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', outDir: 'out', types: ['node'], skipLibCheck: true };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include }, null, 2));
}

test('the tarball ships the bundled example and no tests', () => {
  const files = packedFiles();
  expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/cli.js', 'examples/events.ndjson']));
  expect(files.filter((f) => f.startsWith('test/'))).toEqual([]);
});

describe('an ES module project', () => {
  const dir = installedProject('module', [...PEERS, '@viz-js/viz', ...TYPES]);

  test('the one-line demo runs from the installed bin', () => {
    const result = run(dir, join(dir, 'node_modules', '.bin', 'delivery-lifecycle'), ['replay', '--example']);
    expect(result.stdout).toMatch(/^example: events\.ndjson \(tolerant\): 43 lines, 41 events, 17 messages\n/);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1); // the example has rejected events on purpose
  });

  test('every subpath imports', () => {
    const probe = SUBPATHS.map((s, i) => `import * as m${i} from '${s}'; if (Object.keys(m${i}).length === 0) throw new Error('${s} is empty');`).join('\n');
    writeFileSync(join(dir, 'subpaths.mjs'), `${probe}\nconsole.log('ok');\n`);
    expect(run(dir, process.execPath, ['subpaths.mjs'])).toEqual({ code: 0, stdout: 'ok\n', stderr: '' });
  });

  test("the README's TypeScript examples compile under --strict with NodeNext, and the runnable ones run", () => {
    const examples = readmeExamples(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    expect(examples.length).toBeGreaterThan(5);
    mkdirSync(join(dir, 'readme'), { recursive: true });
    for (const example of examples) writeFileSync(join(dir, 'readme', `${example.name}.ts`), example.source);
    tsconfig(dir, ['readme']);
    const compiled = run(dir, process.execPath, [TSC, '-p', '.']);
    expect(compiled.stdout + compiled.stderr).toBe('');
    const failures: string[] = [];
    for (const example of examples.filter((e) => e.runnable)) {
      const result = run(dir, process.execPath, [join('out', `${example.name}.js`)], 60_000);
      if (result.code !== 0) failures.push(`${example.name} (README line ${example.line}): exit ${result.code}\n${result.stderr.slice(0, 2000)}`);
    }
    expect(failures).toEqual([]);
  });
});

describe('a CommonJS project', () => {
  const dir = installedProject('commonjs', [...PEERS, ...TYPES]);

  test('the one-line demo runs from the installed bin', () => {
    const result = run(dir, join(dir, 'node_modules', '.bin', 'delivery-lifecycle'), ['replay', '--example', '--json']);
    expect(JSON.parse(result.stdout)).toMatchObject({ file: 'example: events.ndjson', lines: 43, events: 41, messages: 17 });
    expect(result.code).toBe(1);
  });

  test('every subpath requires, and compiles under NodeNext', () => {
    const probe = SUBPATHS.map((s) => `if (Object.keys(require('${s}')).length === 0) throw new Error('${s} is empty');`).join('\n');
    writeFileSync(join(dir, 'subpaths.cjs'), `${probe}\nconsole.log('ok');\n`);
    expect(run(dir, process.execPath, ['subpaths.cjs'])).toEqual({ code: 0, stdout: 'ok\n', stderr: '' });
    const typed = SUBPATHS.map((s, i) => `import * as m${i} from '${s}';\nexport const n${i}: number = Object.keys(m${i}).length;`).join('\n');
    mkdirSync(join(dir, 'src'), { recursive: true });
    writeFileSync(join(dir, 'src', 'subpaths.ts'), `${typed}\n`);
    tsconfig(dir, ['src']);
    const compiled = run(dir, process.execPath, [TSC, '-p', '.']);
    expect(compiled.stdout + compiled.stderr).toBe('');
  });

  test('without the optional @viz-js/viz, toSvg says which package to install', () => {
    writeFileSync(
      join(dir, 'svg.cjs'),
      "require('delivery-lifecycle/diagram').toSvg('sms').then(() => console.log('rendered'), (e) => console.log(e.code + ': ' + e.message));\n",
    );
    expect(run(dir, process.execPath, ['svg.cjs']).stdout).toBe(
      'missing_dependency: SVG output needs the optional peer dependency @viz-js/viz: npm install @viz-js/viz\n',
    );
  });
});
