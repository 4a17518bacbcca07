import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHANNELS, lifecycleOf } from '../catalog';
import { compileLifecycle, isCompiledLifecycle, type CompiledLifecycle } from '../compile';
import { UsageError } from './io';

/**
 * The channels a command may name: the built-in ones plus those a
 * `--channels` module exports. Names match in any letter case, the rule
 * `parseStatus` applies to statuses.
 */
export interface ChannelSet {
  /** Every channel, built-in first. */
  readonly all: readonly CompiledLifecycle[];
  /** The channel named `name` in any letter case; throws {@link UsageError} (exit 2) naming the choices. */
  get(name: string): CompiledLifecycle;
}

/**
 * A set of `lifecycles` looked up by name in any letter case.
 *
 * @example channelSet(builtInChannels()).get('SMS').name // 'sms'
 */
export function channelSet(lifecycles: readonly CompiledLifecycle[]): ChannelSet {
  const byName = new Map<string, CompiledLifecycle>();
  for (const lifecycle of lifecycles) {
    const key = lifecycle.name.toLowerCase();
    if (byName.has(key)) throw new UsageError(`two channels are named ${JSON.stringify(lifecycle.name)} (names match in any letter case)`);
    byName.set(key, lifecycle);
  }
  return {
    all: lifecycles,
    get(name) {
      const found = byName.get(name.trim().toLowerCase());
      if (found === undefined) {
        throw new UsageError(`unknown channel ${JSON.stringify(name)} (choices: ${lifecycles.map((l) => l.name).join(', ')})`);
      }
      return found;
    },
  };
}

/**
 * The built-in channels' compiled tables.
 *
 * @example builtInChannels().map((l) => l.name) // ['sms', 'email']
 */
export function builtInChannels(): CompiledLifecycle[] {
  return CHANNELS.map((name) => lifecycleOf(name));
}

// A real `import()` in the CommonJS build too (a bundler would turn a plain one into `require`, which cannot load ES modules on Node 20).
const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<Record<string, unknown>>;

/**
 * Loads the `--channels` module at `path` (relative to `cwd`; ES module or
 * CommonJS) and returns the built-in channels plus every compiled lifecycle
 * it exports (as made by `defineChannel`); with no `path`, the built-in ones.
 * Throws {@link UsageError} when the module cannot be loaded or exports none.
 *
 * @example (await loadChannels(process.cwd(), './channels.mjs')).get('whatsapp')
 */
export async function loadChannels(cwd: string, path: string | undefined): Promise<ChannelSet> {
  const builtIn = builtInChannels();
  if (path === undefined) return channelSet(builtIn);
  let module: Record<string, unknown>;
  try {
    module = await importModule(pathToFileURL(resolve(cwd, path)).href);
  } catch (error) {
    throw new UsageError(`cannot load channels from ${path}: ${(error as Error)?.message ?? String(error)}`);
  }
  const found = new Map<unknown, CompiledLifecycle>();
  const exported = [...Object.values(module), ...(isPlain(module.default) ? Object.values(module.default) : [module.default])];
  for (const value of exported) {
    const lifecycle = asLifecycle(value);
    if (lifecycle !== undefined && !found.has(value)) found.set(value, lifecycle);
  }
  if (found.size === 0) throw new UsageError(`${path} exports no channel made with defineChannel`);
  return channelSet([...builtIn, ...found.values()]);
}

function isPlain(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !('machine' in value);
}

/**
 * A lifecycle from this copy of the library as is; one made by another copy
 * (the module imported the ES build, the CLI is the CommonJS one) compiled
 * again here from its machine, so it passes this copy's checks.
 */
function asLifecycle(value: unknown): CompiledLifecycle | undefined {
  if (isCompiledLifecycle(value)) return value;
  if (typeof value !== 'object' || value === null) return undefined;
  const { name, machine, vocabulary } = value as Partial<CompiledLifecycle>;
  if (typeof name !== 'string' || typeof machine !== 'object' || machine === null || !Array.isArray(vocabulary)) return undefined;
  try {
    return compileLifecycle(machine, { name, vocabulary });
  } catch (error) {
    throw new UsageError(`channel ${JSON.stringify(name)} cannot be compiled: ${(error as Error).message}`);
  }
}
