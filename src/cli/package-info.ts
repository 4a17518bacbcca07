import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const NAME = 'delivery-lifecycle';

let root: string | undefined;

/**
 * The installed package's directory: the nearest parent of this file with
 * our `package.json` (`dist/` in the package, `src/cli/` in a checkout).
 *
 * @example join(packageRoot(), 'examples', 'events.ndjson')
 */
export function packageRoot(): string {
  if (root !== undefined) return root;
  // The CommonJS build (the bin) and ts-node have __dirname; the unused ES build of the bin falls back to the working directory.
  const start = typeof __dirname === 'string' ? __dirname : process.cwd();
  let dir = start;
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === NAME) return (root = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the ${NAME} package directory from ${start}`);
    dir = parent;
  }
}

/**
 * The package's version, from its `package.json`.
 *
 * @example packageVersion() // '0.1.0'
 */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * The example log shipped with the package, for `replay --example`.
 *
 * @example exampleLog() // '/…/node_modules/delivery-lifecycle/examples/events.ndjson'
 */
export function exampleLog(): string {
  return join(packageRoot(), 'examples', 'events.ndjson');
}
