// Incidents: alerts and anomalies that started within minutes of each other in one namespace or
// workload, grouped by kad into one incident (/api/incidents), each with a timeline of its members.
import { get, serverNow } from '../api.js';
import { badge, h, note, panel, podLink, workloadLink } from '../dom.js';
import { fmtAgo, fmtDuration, fmtScore, fmtTime } from '../format.js';

const RANGES = [['6 h', 6 * 3600_000], ['24 h', 86_400_000], ['7 d', 7 * 86_400_000]];
const count = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** A bar from `from` to `to` on a track spanning [t0, t1] (positions through the CSSOM, which the CSP allows). */
function span(from, to, t0, t1, cls) {
  const el = h(`span.span.${cls}`);
  const w = t1 - t0 || 1;
  el.style.left = `${((from - t0) / w) * 100}%`;
  el.style.width = `${Math.max(0.6, ((to - from) / w) * 100)}%`;
  return el;
}

/** One incident: its headline and a timeline of its alerts and anomalies. */
function incidentCard(inc, alerts, anomalies, now) {
  const members = [
    ...inc.alerts.map((id) => alerts.get(id)).filter(Boolean).map((a) => ({
      kind: a.kind === 'early_warning' ? 'early warning' : 'alert', cls: a.kind === 'early_warning' ? 'warn' : 'alert',
      namespace: a.namespace, pod: a.pod, workload: a.workload, start: a.startsAt, end: a.endsAt, text: a.summary ?? '',
    })),
    ...inc.anomalies.map((id) => anomalies.get(id)).filter(Boolean).map((a) => ({
      kind: 'anomaly', cls: 'anomaly', namespace: a.namespace, pod: a.pod, workload: a.workload, start: a.start, end: a.end,
      text: `peak ${fmtScore(a.peakScore)}${a.explanation ? ` · ${a.explanation}` : ''}`,
    })),
  ].sort((a, b) => a.start - b.start);
  const end = inc.end ?? now;
  const pad = Math.max(60_000, (end - inc.start) * 0.05);
  const t0 = inc.start - pad;
  const t1 = end + pad;
  return h('article.incident', { 'data-incident': inc.id },
    h('header', {},
      badge(inc.end === null ? 'ongoing' : 'resolved', inc.end === null ? 'hot' : 'ok'), ' ',
      h('strong', { text: inc.namespace }), ' · ',
      inc.workloads.flatMap((w, i) => [i ? ', ' : '', workloadLink(inc.namespace, w)]),
      h('span.muted', { text: ` · ${count(inc.pods.length, 'pod')} · ${count(inc.alerts.length, 'alert')} · ${count(inc.anomalies.length, 'anomaly', 'anomalies')} · ${fmtTime(inc.start)} (${fmtAgo(inc.start, now)}), ${inc.end === null ? 'ongoing' : `lasted ${fmtDuration((inc.end - inc.start) / 1000)}`}` })),
    h('div.timeline', {},
      h('div.axis', {}, h('span', { text: fmtTime(t0) }), h('span', { text: fmtTime(t1) })),
      members.length ? members.map((m) => h('div.tl-row', {},
        h('div.tl-label', {}, badge(m.kind, m.cls), ' ', m.pod ? podLink(m.namespace, m.pod) : workloadLink(m.namespace, m.workload)),
        h('div.tl-track', { title: `${fmtTime(m.start)} – ${m.end === null ? 'ongoing' : fmtTime(m.end)}: ${m.text}` }, span(m.start, m.end ?? now, t0, t1, m.cls)),
        h('div.tl-text.muted', { text: m.text })))
        : note('Its alerts and anomalies are older than the loaded history.', 'empty')));
}

/** The incidents page; returns { stop }. */
export function incidentsPage(main, _args, params) {
  const range = h('select', { 'aria-label': 'Time range' }, RANGES.map(([label, ms]) => h('option', { value: String(ms), text: `last ${label}` })));
  range.value = params.get('range') ?? String(RANGES[1][1]);
  const [iPanel, iBody] = panel('Incidents', range);
  main.append(h('div.page-head', {}, h('h1', { text: 'Incidents' }), h('span.muted', { text: ' alerts that started within minutes of each other in one namespace or workload, as one problem' })), iPanel);
  let seq = 0;

  const load = async () => {
    const mine = ++seq;
    const now = serverNow();
    const from = now - Number(range.value);
    let inc, al, an;
    try {
      [inc, al, an] = await Promise.all([
        get('/api/incidents', { from }),
        get('/api/alerts', { from: from - 3600_000, limit: 2000 }).catch(() => ({ alerts: [] })),
        get('/anomalies', { from: from - 3600_000, limit: 1000 }).catch(() => ({ anomalies: [] })),
      ]);
    } catch (e) {
      if (mine === seq) iBody.replaceChildren(note(`Incidents unknown: ${e.message}`, 'error'));
      return;
    }
    if (mine !== seq) return;
    const alerts = new Map(al.alerts.map((a) => [a.id, a]));
    const anomalies = new Map(an.anomalies.map((a) => [a.id, a]));
    const list = [...inc.incidents].sort((a, b) => b.start - a.start);
    iBody.replaceChildren(list.length ? h('div.incidents', { id: 'incidents' }, list.map((i) => incidentCard(i, alerts, anomalies, now))) : note('No incidents in this range.', 'empty'));
  };
  range.addEventListener('change', load);
  void load();
  const timer = setInterval(load, 30_000);
  return { stop() { seq++; clearInterval(timer); } };
}
