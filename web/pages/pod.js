// Pod view: the pod's CPU, memory, restarts and network over the last hours, each with its expected
// range where kad gives one, and its anomaly score beneath with the threshold; the intervals where it
// was flagged are shaded on every chart. Then the contributing features of its alerts, its replicas
// side by side (peer comparison), and its workload's forecast and replicas.
import { get, serverNow, subscribe } from '../api.js';
import { flaggedIntervals, timeChart } from '../chart.js';
import { badge, h, note, panel, workloadLink } from '../dom.js';
import { fmtBytes, fmtCores, fmtFeature, fmtNum, fmtScore } from '../format.js';
import { anomalyItem, featureBars } from './anomalies.js';
import { peerTable, workloadSections } from './workload.js';

const SERIES_REFRESH_MS = 5_000;
const SLOW_REFRESH_MS = 15_000;

const perSecond = (v) => `${fmtBytes(v)}/s`;
/** The score axis' floor: scores below it (and 0) are drawn at it. */
const SCORE_FLOOR = 1e-7;
const fmtLogScore = (v) => (v >= 0.01 ? v.toFixed(2) : v.toExponential(0));

/** The metric charts: which series keys each draws (the first keys of /api/series' metrics that match). */
const CHARTS = [
  { key: 'cpu', title: 'CPU (cores)', match: (k) => k === 'cpu', format: fmtCores, y: { min: 0 } },
  { key: 'memory', title: 'Memory (dashed: limit)', match: (k) => k === 'memory' || k === 'memory_limit', format: fmtBytes, y: { min: 0 } },
  { key: 'restarts', title: 'Restarts', match: (k) => k === 'restarts', format: fmtNum, y: { min: 0 } },
  { key: 'network', title: 'Network', match: (k) => /(^|_)(rx|tx)(_bytes|bytes)?$|^(rx|tx)Bytes$/.test(k), format: perSecond, y: { min: 0 } },
  { key: 'drops', title: 'Received packets dropped (per second)', match: (k) => k === 'rx_dropped' || k === 'rxDropped', format: fmtNum, y: { min: 0 } },
];

/**
 * `s` with a point of nulls in every gap longer than 2.5 steps (kad was down, the pod was not scraped),
 * so that lines break there instead of joining across it.
 */
function breakGaps(s) {
  const gap = 2.5 * (s.stepMs || 60_000);
  const at = [];
  for (let i = 1; i < s.t.length; i++) if (s.t[i] - s.t[i - 1] > gap) at.push(i);
  if (!at.length) return s;
  const insert = (arr, fillValue) => {
    const out = [];
    let j = 0;
    arr.forEach((v, i) => {
      if (i === at[j]) { out.push(fillValue(i)); j++; }
      out.push(v);
    });
    return out;
  };
  return {
    ...s,
    t: insert(s.t, (i) => s.t[i - 1] + s.stepMs),
    metrics: Object.fromEntries(Object.entries(s.metrics ?? {}).map(([k, v]) => [k, insert(v, () => null)])),
    score: insert(s.score, () => null),
    threshold: insert(s.threshold, () => null),
    flagged: insert(s.flagged, () => false),
    expected: s.expected && Object.fromEntries(Object.entries(s.expected).map(([k, b]) => [k, { lo: insert(b.lo, () => null), hi: insert(b.hi, () => null) }])),
  };
}

/** The chart specs of a /api/series answer: the metric charts, then the score. */
export function seriesSpecs(answer) {
  const s = breakGaps(answer);
  const shade = flaggedIntervals(s.t, s.flagged, s.stepMs);
  const keys = Object.keys(s.metrics ?? {});
  const specs = [];
  for (const c of CHARTS) {
    const chosen = keys.filter(c.match);
    if (!chosen.length) continue;
    const bands = chosen.filter((k) => s.expected?.[k]).map((k) => ({ label: `expected ${k}`, lo: s.expected[k].lo, hi: s.expected[k].hi, color: 'rgba(13, 148, 136, 0.15)' }));
    specs.push({
      key: c.key, title: c.title, t: s.t, format: c.format, y: c.y, shade, sync: 'pod', bands, height: 110, xAxis: false,
      series: chosen.map((k) => ({ label: k, values: s.metrics[k], ...(k.endsWith('_limit') ? { color: '#94a3b8', dash: [4, 4] } : {}) })),
    });
  }
  // Scores span orders of magnitude (a calm pod near 1e-6, a threshold near 1e-4, an anomaly near 1): a log axis shows them all.
  const floor = (v) => (v === null || v === undefined ? null : Math.max(SCORE_FLOOR, v));
  specs.push({
    key: 'score', title: 'Anomaly score (log scale; dashed: threshold)', t: s.t, format: fmtLogScore, y: { log: true, min: SCORE_FLOOR, max: 1 }, shade, sync: 'pod', height: 170,
    series: [{ label: 'score', values: s.score.map(floor), color: '#dc2626' }],
    threshold: s.threshold.map(floor),
  });
  return specs;
}

function nowBox(p) {
  if (!p) return note('This pod is not in the latest scoring cycle (gone, or not scored yet).', 'empty');
  return h('div.now', {},
    h('p', {}, p.flagged ? badge('anomalous', 'hot') : badge('ok', 'ok'),
      ` score ${fmtScore(p.score)} (threshold ${fmtScore(p.threshold)}) · model ${p.model ?? '–'} ${fmtScore(p.modelScore)} · peer ${fmtScore(p.peerScore)}`),
    p.anomaly ? [
      featureBars(p.anomaly.topFeatures),
      p.anomaly.peer ? h('p', { text: `Unlike its replicas (peer score ${fmtScore(p.anomaly.peer.score)}${p.anomaly.peer.feature ? `, on ${fmtFeature(p.anomaly.peer.feature)}` : ''}).` }) : null,
      p.anomaly.change && p.anomaly.change !== 'none' ? h('p', { text: `Recent scores: ${p.anomaly.change}.` }) : null,
      p.anomaly.incident ? h('p.incident', { text: `Likely incident: ${fmtFeature(p.anomaly.incident.type)} (probability ${p.anomaly.incident.probability.toFixed(2)}, classifier ${p.anomaly.incident.version}).` }) : null,
    ] : null);
}

/** The pod page for [namespace, pod]; returns { stop }. */
export function podPage(main, [namespace, pod]) {
  const title = h('h1', { text: pod });
  const sub = h('span.muted', { text: ` pod in ${namespace}` });
  const [mPanel, mBody] = panel('Metrics and score (last 3 hours; red: flagged)');
  const [nPanel, nBody] = panel('Now');
  const [aPanel, aBody] = panel('Alerts on this pod (contributing features)');
  const [pPanel, pBody] = panel('Peers (replicas of the same workload)');
  const seriesNote = h('div');
  const chartsEl = h('div.charts');
  mBody.append(seriesNote, chartsEl);
  main.append(h('div.page-head', {}, title, sub), mPanel, h('div.grid2', {}, nPanel, aPanel), pPanel);
  const charts = new Map();
  let workload = null;
  let sections = null;
  let peers = [];
  let lastSeries = 0;
  let lastSlow = 0;
  let loading = false;
  let stopped = false;

  const loadSeries = async () => {
    if (loading) return;
    lastSeries = Date.now();
    loading = true;
    let s;
    try {
      s = await get('/api/series', { namespace, pod });
    } catch (e) {
      if (!stopped) seriesNote.replaceChildren(note(`No history for this pod: ${e.message}`, 'error'));
      return;
    } finally {
      loading = false;
    }
    if (stopped) return;
    seriesNote.replaceChildren(s.t.length ? '' : note('No history for this pod yet.', 'empty'));
    if (s.workload && !workload) setWorkload(s.workload);
    for (const spec of seriesSpecs(s)) {
      let c = charts.get(spec.key);
      if (c) c.update(spec);
      else {
        const holder = h('div.chart', { 'data-chart': spec.key });
        chartsEl.append(holder);
        c = timeChart(holder, spec);
        charts.set(spec.key, c);
      }
    }
  };

  const loadAnomalies = async () => {
    lastSlow = Date.now();
    const now = serverNow();
    let list;
    try {
      list = (await get('/anomalies', { namespace, pod, limit: 20 })).anomalies;
    } catch (e) {
      if (!stopped) aBody.replaceChildren(note(`Alerts unknown: ${e.message}`, 'error'));
      return;
    }
    if (stopped) return;
    aBody.replaceChildren(list.length ? h('ul.anomalies', {}, list.map((a) => anomalyItem(a, now))) : note('No anomaly recorded on this pod.', 'empty'));
    void sections?.refresh();
  };

  const setWorkload = (w) => {
    workload = w;
    sub.replaceChildren(' pod of ', workloadLink(namespace, w), ` in ${namespace}`);
    sections = workloadSections(main, namespace, w, () => peers);
    void sections.refresh();
  };

  const unsubscribe = subscribe((payload) => {
    if (!payload) return;
    const me = (payload.pods ?? []).find((p) => p.namespace === namespace && p.pod === pod);
    if (me && !workload) setWorkload(me.workload);
    peers = workload ? (payload.pods ?? []).filter((p) => p.namespace === namespace && p.workload === workload) : [];
    nBody.replaceChildren(nowBox(me));
    pBody.replaceChildren(peerTable(peers, pod));
    if (Date.now() - lastSeries > SERIES_REFRESH_MS) void loadSeries();
    if (Date.now() - lastSlow > SLOW_REFRESH_MS) void loadAnomalies();
  });
  if (!lastSeries) void loadSeries();
  if (!lastSlow) void loadAnomalies();
  return { stop() { stopped = true; unsubscribe(); sections?.stop(); for (const c of charts.values()) c.destroy(); } };
}
