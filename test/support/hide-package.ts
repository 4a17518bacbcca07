/**
 * Makes a child Node process behave as if an optional peer dependency were
 * not installed: a module resolve hook that answers as Node does for a
 * missing package (`ERR_MODULE_NOT_FOUND`), for the package and its
 * subpaths. The built package loads optional peers with a real `import()`,
 * the CommonJS build too, so the one hook covers both builds.
 */
export interface HiddenPackage {
  /** Source that registers the hook, for an ES module entry (`--input-type=module -e`). */
  readonly esm: string;
  /** Source that registers the hook, for a CommonJS entry (`-e`). */
  readonly cjs: string;
  /** Node flags that register the hook before any entry point runs (a bin, a file). */
  readonly flags: readonly string[];
}

export function hidePackage(name: string): HiddenPackage {
  const hook = `export async function resolve(specifier, context, next) {
  if (specifier === ${JSON.stringify(name)} || specifier.startsWith(${JSON.stringify(`${name}/`)})) {
    const error = new Error("Cannot find package '" + specifier + "' imported from " + context.parentURL);
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return next(specifier, context);
}`;
  const url = JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`);
  const esm = `import { register } from 'node:module'; register(${url});`;
  return { esm, cjs: `require('node:module').register(${url});`, flags: ['--import', `data:text/javascript,${encodeURIComponent(esm)}`] };
}
