/**
 * PromQL text: escaping for the string literals and RE2 regular expressions kad writes into its
 * queries (prometheus.ts, prometheus-shard.ts, prometheus-mesh.ts).
 */

/** Escapes a string for a double-quoted PromQL string literal. */
export function promqlString(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Escapes a literal for a RE2 regular expression. */
export function regexLiteral(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}
