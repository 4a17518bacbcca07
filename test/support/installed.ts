/**
 * The package as a user gets it: `npm pack` (no scripts: dist is already
 * built by test/global-setup.ts), the tarball unpacked into a fresh
 * project's node_modules as `npm install` would, its dependencies and the
 * chosen optional peers linked from this checkout's node_modules (no
 * network), and its bin linked into node_modules/.bin.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  dependencies: Record<string, string>;
  bin: Record<string, string>;
  exports: Record<string, unknown>;
};

/** The subpaths a user can import (`exports` keys, without `./package.json`). */
export const SUBPATHS: readonly string[] = Object.keys(PKG.exports)
  .filter((key) => key !== './package.json')
  .map((key) => (key === '.' ? PKG.name : `${PKG.name}/${key.slice(2)}`));

let tarball: string | undefined;

/** Packs the package once per test file; returns the tarball's path. */
export function pack(): string {
  if (tarball !== undefined) return tarball;
  const dir = mkdtempSync(join(tmpdir(), 'delivery-lifecycle-pack-'));
  const name = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').pop() as string;
  tarball = join(dir, name);
  return tarball;
}

/** The files the tarball holds, relative to the package root. */
export function packedFiles(): string[] {
  return execFileSync('tar', ['-tzf', pack()], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.replace(/^package\//, ''));
}

/**
 * A fresh project (`type` module or commonjs) with the package installed
 * and `links` (optional peers, type packages) linked in; returns its directory.
 */
export function installedProject(type: 'module' | 'commonjs', links: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), `delivery-lifecycle-${type}-`));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `probe-${type}`, version: '1.0.0', private: true, type }, null, 2));
  const modules = join(dir, 'node_modules');
  mkdirSync(modules);
  execFileSync('tar', ['-xzf', pack(), '-C', modules]);
  renameSync(join(modules, 'package'), join(modules, PKG.name));
  for (const dep of [...Object.keys(PKG.dependencies), ...links]) {
    mkdirSync(dirname(join(modules, dep)), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', dep), join(modules, dep), 'dir');
  }
  mkdirSync(join(modules, '.bin'));
  for (const [bin, target] of Object.entries(PKG.bin)) {
    const path = join(modules, PKG.name, target);
    chmodSync(path, 0o755);
    symlinkSync(join('..', PKG.name, target), join(modules, '.bin', bin));
  }
  return dir;
}
