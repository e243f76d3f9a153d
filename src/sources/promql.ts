/**
 * PromQL text: escaping for the string literals and RE2 regular expressions kad writes into its
 * queries (prometheus.ts, prometheus-shard.ts, prometheus-mesh.ts, prometheus-rules.ts), and durations.
 */
import { InputError } from '../core/errors.js';

/** Escapes a string for a double-quoted PromQL string literal. */
export function promqlString(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Escapes a literal for a RE2 regular expression. */
export function regexLiteral(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** A PromQL duration with one unit (`90s`, `1m`, `250ms`, `2h`) in ms; InputError otherwise. */
export function promDurationMs(d: string): number {
  const m = /^(\d+)(ms|s|m|h)$/.exec(d);
  if (!m) throw new InputError(`"${d}" is not a PromQL duration such as 30s, 1m or 5m`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}

/** The selector of kad's namespaces, `namespace=~"<NAMESPACE_REGEX>"`. */
export function namespaceSelector(namespaceRegex: string): string {
  return `namespace=~"${promqlString(namespaceRegex)}"`;
}
