/**
 * Checks of the custom series of the config file (`features.custom`), each entry a feature fed by
 * a PromQL query:
 *
 * ```yaml
 * features:
 *   custom:
 *     - name: queue_depth                 # [a-z_][a-z0-9_]*, unique, not a built-in feature's
 *       query: sum by (namespace, pod) (app_queue_depth)
 *       scaleFloor: 1                     # >= 0: the feature's smallest scale, in its units
 *       onlyAbove: true                   # optional (default false): only a rise is anomalous
 * ```
 *
 * The schema types the list; this says what is wrong with each entry and where (file and line), as
 * the loader does for the other settings, and checks what a schema cannot: unique names, and names
 * that are not the built-in features'.
 */
import { BUILT_IN_FEATURES, CUSTOM_FEATURE_NAME } from '../core/feature-names.js';
import { shownValue as shown } from '../core/quote.js';

/** The config path of the custom series. */
export const CUSTOM_SERIES_PATH = ['features', 'custom'] as const;

const REQUIRED = ['name', 'query', 'scaleFloor'] as const;
const FIELDS = [...REQUIRED, 'onlyAbove'] as const;

/**
 * What is wrong with the custom series `value` (the raw list from the config), one message per
 * problem: `features.custom[1].name (kad.yaml line 9): "Queue" is invalid: must be …`. `where(path)`
 * says where the value at `path` (under `features.custom`, e.g. `[1, 'name']`) came from.
 */
export function customSeriesProblems(value: unknown, where: (path: readonly (string | number)[]) => string): string[] {
  const at = (path: readonly (string | number)[]) => `features.custom${path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('')} (${where(path)})`;
  if (value === undefined) return [];
  if (!Array.isArray(value)) return [`${at([])}: ${shown(value)} is invalid: must be a list of custom series, each with name, query and scaleFloor (one "- name: …" entry per series; [] for none)`];
  const problems: string[] = [];
  const firstOf = new Map<string, number>();
  value.forEach((entry: unknown, i) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(`${at([i])}: each custom series must be a mapping with name, query and scaleFloor, got ${shown(entry)}`);
      return;
    }
    const e = entry as Record<string, unknown>;
    for (const key of Object.keys(e)) {
      if (!(FIELDS as readonly string[]).includes(key)) problems.push(`${at([i, key])}: unknown field "${key}" (known: ${FIELDS.join(', ')})`);
    }
    for (const key of REQUIRED) if (e[key] === undefined || e[key] === null) problems.push(`${at([i])}: missing field "${key}"`);
    const { name, query, scaleFloor, onlyAbove } = e;
    if (name !== undefined && name !== null) {
      if (typeof name !== 'string' || !CUSTOM_FEATURE_NAME.test(name)) {
        problems.push(`${at([i, 'name'])}: ${shown(name)} is invalid: must be a feature name: lower-case letters, digits and _, not starting with a digit`);
      } else if (BUILT_IN_FEATURES.includes(name)) {
        problems.push(`${at([i, 'name'])}: "${name}" is a built-in feature's name: choose another (built-in: ${BUILT_IN_FEATURES.join(', ')})`);
      } else if (firstOf.has(name)) {
        problems.push(`${at([i, 'name'])}: "${name}" is already the name of features.custom[${firstOf.get(name)}]: names must be unique`);
      } else firstOf.set(name, i);
    }
    if (query !== undefined && query !== null && (typeof query !== 'string' || query.trim() === '')) {
      problems.push(`${at([i, 'query'])}: ${shown(query)} is invalid: must be a PromQL expression answering one series per pod (with namespace and pod labels)`);
    }
    if (scaleFloor !== undefined && scaleFloor !== null && !(typeof scaleFloor === 'number' && Number.isFinite(scaleFloor) && scaleFloor >= 0)) {
      problems.push(`${at([i, 'scaleFloor'])}: ${shown(scaleFloor)} is invalid: must be a number >= 0 (the feature's smallest scale, in its own units)`);
    }
    if (onlyAbove !== undefined && typeof onlyAbove !== 'boolean') {
      problems.push(`${at([i, 'onlyAbove'])}: ${shown(onlyAbove)} is invalid: must be true (only a rise of the series is anomalous, as for latency or errors) or false (a move either way; the default)`);
    }
  });
  return problems;
}
