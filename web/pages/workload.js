// Workload view: its pods side by side (the peer comparison), the 30-minute forecast of its total CPU
// and memory with 80% and 95% bands against the actual, and recommended vs current replicas.
// The pod view shows the same sections for the pod's workload.
import { get, subscribe } from '../api.js';
import { timeChart } from '../chart.js';
import { badge, bar, h, note, panel, podLink } from '../dom.js';
import { fmtBytes, fmtCores, fmtFeature, fmtNum, fmtScore, fmtTime } from '../format.js';

const ACTUAL_MS = 90 * 60_000;
const REFRESH_MS = 15_000;

/** The peer comparison: every pod of the workload with its score, peer score and features; `highlight` marks one. */
export function peerTable(pods, highlight) {
  if (!pods.length) return note('No pods of this workload are scored now.', 'empty');
  const features = [...new Set(pods.flatMap((p) => Object.keys(p.features ?? {})))];
  return h('table.peers', {},
    h('thead', {}, h('tr', {}, h('th', { text: 'Pod' }), h('th.num', { text: 'Score' }), h('th.num', { text: 'Peer' }), features.map((f) => h('th.num', { text: fmtFeature(f) })))),
    h('tbody', {}, pods.map((p) => h(`tr${p.pod === highlight ? '.current' : ''}${p.flagged ? '.flagged' : ''}`, { 'data-pod': p.pod },
      h('td', {}, podLink(p.namespace, p.pod), p.flagged ? [' ', badge('anomalous', 'hot')] : null),
      h('td.num', {}, bar(p.score, p.flagged ? 'hot' : ''), ' ', fmtScore(p.score)),
      h('td.num', { text: fmtScore(p.peerScore) }),
      features.map((f) => h('td.num', { text: fmtNum(p.features[f]) }))))));
}

/** Sums the pods' series of `metric` on their common time grid: { t, values }. */
function sumSeries(list, metric) {
  const sums = new Map();
  for (const s of list) {
    s.t.forEach((t, i) => {
      const v = s.metrics?.[metric]?.[i];
      if (typeof v === 'number') sums.set(t, (sums.get(t) ?? 0) + v);
    });
  }
  const t = [...sums.keys()].sort((a, b) => a - b);
  return { t, values: t.map((x) => sums.get(x)) };
}

/** The chart spec of one forecast entry of /forecast against the actual { t, values }. */
function forecastSpec(entry, actual, title, format) {
  const steps = entry.steps.map((s) => ({ ...s, t: Date.parse(s.time) }));
  const t = [...new Set([...actual.t, ...steps.map((s) => s.t)])].sort((a, b) => a - b);
  const at = new Map(actual.t.map((x, i) => [x, actual.values[i]]));
  const fc = new Map(steps.map((s) => [s.t, s]));
  const col = (k) => t.map((x) => fc.get(x)?.[k] ?? null);
  return {
    title, t, format, sync: 'forecast', height: 180,
    series: [
      { label: 'actual', values: t.map((x) => at.get(x) ?? null), color: '#1e293b' },
      { label: 'forecast', values: col('point'), color: '#2563eb', dash: [5, 3] },
    ],
    bands: [
      { label: '95%', lo: col('lower95'), hi: col('upper95'), color: 'rgba(37, 99, 235, 0.10)' },
      { label: '80%', lo: col('lower80'), hi: col('upper80'), color: 'rgba(37, 99, 235, 0.20)' },
    ],
  };
}

function scalingCard(rec) {
  if (!rec) return note('No replica recommendation for this workload.', 'empty');
  const change = rec.replicas - rec.current_replicas;
  return h('div.scaling', { 'data-scaling': `${rec.replicas}/${rec.current_replicas}` },
    h('div.big', {}, h('span', { text: String(rec.current_replicas) }), h('span.muted', { text: ' current → ' }),
      h('span', { text: String(rec.replicas) }), h('span.muted', { text: ' recommended ' }),
      badge(change === 0 ? 'steady' : change > 0 ? `+${change}` : String(change), change > 0 ? 'warn' : change < 0 ? 'ok' : '')),
    h('p', { text: `${rec.mode} · reactive ${rec.reactive_replicas}${rec.predictive_replicas !== null ? ` · predictive ${rec.predictive_replicas}` : ''}${rec.forecast_peak !== null ? ` · forecast peak ${fmtCores(rec.forecast_peak)} cores${rec.forecast_peak_at ? ` at ${fmtTime(Date.parse(rec.forecast_peak_at))}` : ''}` : ''}${rec.limited_by ? ` · limited by ${rec.limited_by}` : ''}` }),
    h('p.muted', { text: rec.reason }));
}

/**
 * The workload's forecast and scaling sections, appended to `parent`; `pods()` gives the workload's
 * pods now (for the actual). Returns { refresh(), stop() }: the caller refreshes once it knows the pods.
 */
export function workloadSections(parent, namespace, workload, pods) {
  const [fcPanel, fcBody] = panel(`Forecast: ${workload} (30 min, 80% and 95% bands)`);
  const [scPanel, scBody] = panel('Replicas');
  parent.append(h('div.grid-fc', {}, fcPanel, scPanel));
  const charts = new Map();
  const holders = { cpu: h('div.chart', { 'data-chart': 'forecast-cpu' }), memory: h('div.chart', { 'data-chart': 'forecast-memory' }) };
  const fcNote = h('div');
  fcBody.append(fcNote, holders.cpu, holders.memory);
  let stopped = false;

  const refresh = async () => {
    const [fc, sc] = await Promise.all([
      get('/forecast', { namespace, workload }).catch((e) => e),
      get('/scaling', { namespace }).catch((e) => e),
    ]);
    if (stopped) return;
    scBody.replaceChildren(sc instanceof Error ? note(`Replicas unknown: ${sc.message}`, 'error') : scalingCard(sc.recommendations.find((r) => r.workload === workload)));
    if (fc instanceof Error) return fcNote.replaceChildren(note(`No forecast: ${fc.message}`, 'error'));
    const entries = fc.forecasts.filter((f) => f.steps.length);
    fcNote.replaceChildren(entries.length ? '' : note(fc.forecasts[0]?.error ? `No forecast yet: ${fc.forecasts[0].error}` : 'No forecast yet.', 'empty'));
    if (!entries.length) return;
    const issued = Math.min(...entries.map((e) => Date.parse(e.issued_at ?? e.steps[0].time)));
    const series = await Promise.all(pods().map((p) => get('/api/series', { namespace, pod: p.pod, from: issued - ACTUAL_MS, to: issued + 3600_000 }).catch(() => null)));
    if (stopped) return;
    const got = series.filter(Boolean);
    for (const [metric, title, format] of [['cpu', 'CPU (cores, all pods)', fmtCores], ['memory', 'Memory (all pods)', fmtBytes]]) {
      const entry = entries.find((e) => e.metric === metric);
      if (!entry) continue;
      const spec = forecastSpec(entry, sumSeries(got, metric), title, format);
      if (charts.has(metric)) charts.get(metric).update(spec);
      else charts.set(metric, timeChart(holders[metric], spec));
    }
  };
  return { refresh, stop() { stopped = true; for (const c of charts.values()) c.destroy(); } };
}

/** The workload page for [namespace, workload]; returns { stop }. */
export function workloadPage(main, [namespace, workload]) {
  const [peerPanel, peerBody] = panel('Pods');
  main.append(h('div.page-head', {}, h('h1', {}, workload), h('span.muted', { text: ` workload in ${namespace}` })), peerPanel);
  let pods = [];
  const sections = workloadSections(main, namespace, workload, () => pods);
  let last = 0;
  const unsubscribe = subscribe((payload) => {
    if (!payload) return;
    pods = (payload.pods ?? []).filter((p) => p.namespace === namespace && p.workload === workload);
    peerBody.replaceChildren(peerTable(pods, null));
    if (Date.now() - last > REFRESH_MS) { last = Date.now(); void sections.refresh(); }
  });
  return { stop() { unsubscribe(); sections.stop(); } };
}
