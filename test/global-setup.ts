import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/**
 * The CLI tests run the built bin (dist/cli.js) as users do. `npm ci` builds
 * it through `prepare`; rebuild here only when a source is newer, so a test
 * run after an edit never exercises a stale build.
 */
export default function globalSetup(): void {
  const bin = join(ROOT, 'dist', 'cli.js');
  const sources = Math.max(newest(join(ROOT, 'src')), newest(join(ROOT, 'machines')), statSync(join(ROOT, 'tsup.config.ts')).mtimeMs);
  if (existsSync(bin) && statSync(bin).mtimeMs >= sources) return;
  execSync('npm run build', { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}
