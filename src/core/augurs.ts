/**
 * The one place augurs' wasm modules are started. In Node each module must be instantiated with
 * `initSync` from its `<name>_bg.wasm` (the default async init fails); the package does not export the
 * .wasm files, so the path is found beside the module's resolved .js. Lazy, once per module; the set of
 * started modules is the only state (an idempotent init, not a service).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as changepoint from '@bsull/augurs/changepoint';
import * as ets from '@bsull/augurs/ets';
import * as mstl from '@bsull/augurs/mstl';
import * as outlier from '@bsull/augurs/outlier';
import * as prophet from '@bsull/augurs/prophet';

const requireHere = createRequire(import.meta.url);
const MODULES = { changepoint, ets, mstl, outlier, prophet } as const;
/** The augurs modules kad uses. */
export type AugursModuleName = keyof typeof MODULES;
const started = new Set<AugursModuleName>();

/** The augurs module `name`, its wasm instantiated (synchronously, on first use). */
export function useAugurs<K extends AugursModuleName>(name: K): (typeof MODULES)[K] {
  const mod = MODULES[name];
  if (!started.has(name)) {
    const js = requireHere.resolve(`@bsull/augurs/${name}`);
    mod.initSync({ module: readFileSync(js.replace(/\.js$/, '_bg.wasm')) });
    started.add(name);
  }
  return mod;
}
