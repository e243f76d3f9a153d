/**
 * Prometheus text exposition format 0.0.4: one `# HELP` and one `# TYPE` line per metric family,
 * then its samples `name{label="value",…} value [timestamp]`. Samples of a family are written
 * together even when the input interleaves families.
 */
import { familyOf, METRIC_METADATA, type MetricMeta } from './metrics.js';
import type { MetricSample } from './types.js';

/** The content type of the text format. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Escapes a label value: backslash, double quote and line feed. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Escapes a HELP text: backslash and line feed. */
export function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A sample value as Prometheus writes it: `NaN`, `+Inf`, `-Inf`, or the shortest round-trip decimal. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function formatLabels(labels: Record<string, string>): string {
  let s = '';
  for (const k in labels) {
    if (!LABEL_NAME.test(k)) throw new TypeError(`invalid label name "${k}"`);
    s += `${s ? ',' : ''}${k}="${escapeLabelValue(labels[k])}"`;
  }
  return s ? `{${s}}` : '';
}

/**
 * Renders samples as Prometheus text format 0.0.4. Families appear in order of first appearance;
 * types and help come from `metadata` (default: the simulator's families), `untyped` otherwise; a
 * histogram's `_bucket`, `_sum` and `_count` samples are written under its one family.
 * Throws a TypeError on an invalid metric or label name.
 */
export function renderExposition(samples: MetricSample[], metadata: Readonly<Record<string, MetricMeta>> = METRIC_METADATA): string {
  const families = new Map<string, string[]>();
  for (const s of samples) {
    const family = familyOf(s.name, metadata);
    let lines = families.get(family);
    if (!lines) {
      if (!METRIC_NAME.test(s.name)) throw new TypeError(`invalid metric name "${s.name}"`);
      lines = [];
      families.set(family, lines);
    }
    const ts = s.timestamp === undefined ? '' : ` ${Math.round(s.timestamp)}`;
    lines.push(`${s.name}${formatLabels(s.labels)} ${formatValue(s.value)}${ts}`);
  }
  let out = '';
  for (const [name, lines] of families) {
    const meta = metadata[name];
    out += `# HELP ${name} ${escapeHelp(meta?.help ?? name)}\n# TYPE ${name} ${meta?.type ?? 'untyped'}\n`;
    out += lines.join('\n') + '\n';
  }
  return out;
}
