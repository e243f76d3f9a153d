/**
 * The custom series of the config (`features.custom`) as the Prometheus source reads them: the check
 * each query passes at start ({@link checkCustomSeries}), and a pod's values as its sample carries
 * them ({@link customValues}).
 *
 * A custom query must answer one series per pod, labelled with `namespace` and the pod label
 * (POD_LABEL, default `pod`), e.g. `sum by (namespace, pod) (app_queue_depth)`; the source gives each
 * listed pod the value of its series, and a pod without one has no value (the feature is missing).
 */
import { ConfigError } from '../core/errors.js';
import type { CustomSeries } from '../core/feature-names.js';
import { quoted } from '../core/quote.js';
import { PrometheusQueryError, truncate, type PrometheusApi } from './prometheus-client.js';

/** How a custom series is named in messages: its place in the config and its name. */
function named(c: CustomSeries, k: number): string {
  return `features.custom[${k}] (${c.name}): query ${quoted(truncate(c.query, 200), 240)}`;
}

/**
 * Asks each custom query once, at `t`. Throws {@link ConfigError} naming the query when Prometheus
 * refuses it (not valid PromQL: HTTP 400 or 422), or when it answers series none of which has the
 * `namespace` and `podLabel` labels (its answer could not be told apart by pod). Returns one warning
 * per query that answers nothing now (the feature is missing for every pod until it does), that
 * answers several series for one pod (not aggregated by pod), or that Prometheus could not be asked
 * (unreachable: the cycles will tell).
 */
export async function checkCustomSeries(api: PrometheusApi, series: readonly CustomSeries[], podLabel: string, t: number, signal?: AbortSignal): Promise<string[]> {
  const warnings: string[] = [];
  for (const [k, c] of series.entries()) {
    let answer;
    try {
      answer = await api.query(c.query, t, signal);
    } catch (e) {
      if (e instanceof PrometheusQueryError && (e.status === 400 || e.status === 422)) {
        throw new ConfigError(`${named(c, k)} is refused by Prometheus (${e.reason}): fix the PromQL`);
      }
      if (signal?.aborted) throw e;
      warnings.push(`${named(c, k)} could not be checked: ${(e as Error).message}`);
      continue;
    }
    if (answer.length === 0) {
      warnings.push(`${named(c, k)} answers no series now: the feature ${c.name} is missing for every pod until it does`);
      continue;
    }
    if (!answer.some((s) => s.metric.namespace && s.metric[podLabel])) {
      const labels = Object.keys(answer[0].metric).sort();
      throw new ConfigError(
        `${named(c, k)} answers series without the namespace and ${podLabel} labels (the first has ${labels.length ? labels.join(', ') : 'no labels'}): ` +
          `keep them, e.g. \`sum by (namespace, ${podLabel}) (…)\``,
      );
    }
    const seen = new Set<string>();
    const twice = answer.find((s) => {
      const key = `${s.metric.namespace}/${s.metric[podLabel]}`;
      return seen.has(key) || !seen.add(key);
    });
    if (twice) {
      warnings.push(`${named(c, k)} answers several series for pod ${twice.metric.namespace}/${twice.metric[podLabel]} (other labels differ): aggregate them, e.g. \`sum by (namespace, ${podLabel}) (…)\`, or each cycle keeps one of them`);
    }
  }
  return warnings;
}

/** A pod's custom values at step `i` of `values` (custom series × steps, series-major), by feature name. */
export function customValues(series: readonly CustomSeries[], values: Float64Array, steps: number, i: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (let k = 0; k < series.length; k++) out[series[k].name] = values[k * steps + i];
  return out;
}
