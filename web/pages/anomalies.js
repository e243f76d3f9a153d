// Anomaly history: a searchable list of past anomalies (with their explanations and contributing
// features) and alerts (with the likely incident type the classifier named), and operators' feedback on each anomaly: "false alarm" or "real incident",
// with an incident type and a comment, sent with the API token; an Alertmanager silence on its alert
// shows as "silenced" (weak feedback) until an operator gives a verdict.
import { ApiError, get, getToken, post, serverNow } from '../api.js';
import { badge, bar, fill, h, note, panel, podLink, workloadLink } from '../dom.js';
import { fmtAgo, fmtDuration, fmtFeature, fmtNum, fmtScore, fmtTime } from '../format.js';

/** Incident types offered (any other may be typed). */
const INCIDENT_TYPES = ['packet_loss', 'resource_exhaustion', 'pod_failure', 'network_issue', 'cpu_runaway', 'memory_leak', 'crash_loop', 'noisy_neighbour', 'oom_kill'];
const RANGES = [['1 h', 3600_000], ['6 h', 6 * 3600_000], ['24 h', 86_400_000], ['7 d', 7 * 86_400_000]];

/** The features that made an anomaly, as bars scaled to the largest. */
export function featureBars(topFeatures) {
  if (!topFeatures?.length) return null;
  const max = Math.max(...topFeatures.map((f) => Math.abs(f.contribution))) || 1;
  const range = (f) => (Array.isArray(f.expected) && f.expected[0] !== null && f.expected[1] !== null
    ? ` (normal ${fmtNum(f.expected[0])} to ${fmtNum(f.expected[1])})` : '');
  return h('ul.features', {}, topFeatures.map((f) => h('li', {},
    h('span.fname', { text: fmtFeature(f.feature) }), bar(Math.abs(f.contribution) / max), h('span.num', { text: `z ${f.contribution.toFixed(1)}` }),
    typeof f.value === 'number' ? h('span.muted', { text: `value ${fmtNum(f.value)}${range(f)}` }) : null)));
}

function feedbackState(fb) {
  if (!fb) return null;
  if (fb.verdict === 'silenced') {
    // Weak feedback: an Alertmanager silence covered the alert. An operator's verdict below replaces it.
    return h('p.feedback-state', { 'data-verdict': 'silenced', 'data-silence': fb.silenceId ?? '' },
      badge('silenced in Alertmanager', 'warn'), fb.createdBy ? ` by ${fb.createdBy}` : '', fb.comment ? ` — “${fb.comment}”` : '',
      h('span.muted', { text: ` (silence ${fb.silenceId ?? '?'}, seen ${fmtTime(fb.at)})` }));
  }
  return h('p.feedback-state', { 'data-verdict': fb.verdict },
    badge(fb.verdict === 'false_alarm' ? 'false alarm' : 'real incident', fb.verdict === 'false_alarm' ? 'ok' : 'hot'),
    fb.incidentType ? ` ${fmtFeature(fb.incidentType)}` : '', fb.comment ? ` — “${fb.comment}”` : '', h('span.muted', { text: ` (${fmtTime(fb.at)})` }));
}

/** The feedback form of anomaly `a`; `done(anomaly)` gets the anomaly as kad stored it. */
function feedbackForm(a, done) {
  const typeId = `types-${a.id}`;
  const type = h('input', { list: typeId, placeholder: 'incident type', 'aria-label': 'Incident type', size: 18 });
  const comment = h('input', { placeholder: 'comment', 'aria-label': 'Comment', size: 28 });
  const status = h('span.muted');
  const send = async (verdict) => {
    if (!getToken()) {
      status.textContent = 'Set the API token first.';
      document.dispatchEvent(new Event('kad:token'));
      return;
    }
    status.textContent = 'sending…';
    try {
      const body = { verdict };
      if (type.value.trim()) body.incidentType = type.value.trim();
      if (comment.value.trim()) body.comment = comment.value.trim();
      const res = await post(`/anomalies/${encodeURIComponent(a.id)}/feedback`, body);
      done(res.anomaly ?? { ...a, feedback: { verdict, ...body, at: Date.now() } });
    } catch (e) {
      const auth = e instanceof ApiError && (e.status === 401 || e.status === 403);
      status.textContent = auth ? `Refused (${e.status}): ${e.message}` : `Failed: ${e.message}`;
      if (e instanceof ApiError && e.status === 401) document.dispatchEvent(new Event('kad:token'));
    }
  };
  return h('div.feedback', {},
    h('button', { type: 'button', 'data-verdict': 'false_alarm', onclick: () => send('false_alarm'), text: 'False alarm' }),
    h('button', { type: 'button', 'data-verdict': 'real_incident', onclick: () => send('real_incident'), text: 'Real incident' }),
    type, h('datalist', { id: typeId }, INCIDENT_TYPES.map((t) => h('option', { value: t }))), comment, status);
}

/**
 * One anomaly: where, when, how strong, why, and its feedback with the form to give it (`onFeedback()`
 * runs after feedback is stored).
 */
export function anomalyItem(a, now, onFeedback = () => {}) {
  const li = h('li.anomaly', { 'data-anomaly': a.id });
  const stored = (x) => {
    render(x);
    onFeedback();
  };
  const render = (x) => {
    fill(li,
      h('div.anomaly-head', {},
        badge(x.end === null ? 'ongoing' : 'ended', x.end === null ? 'hot' : ''), ' ',
        h('strong', {}, x.pod ? podLink(x.namespace, x.pod) : workloadLink(x.namespace, x.workload)), ' ',
        h('span.muted', {}, x.workload ? [workloadLink(x.namespace, x.workload), ' · '] : null, x.namespace)),
      h('p.when', { text: `${fmtTime(x.start)} (${fmtAgo(x.start, now)})${x.end !== null ? `, lasted ${fmtDuration((x.end - x.start) / 1000)}` : ''} · peak ${fmtScore(x.peakScore)} (threshold ${fmtScore(x.threshold)})${x.modelVersion ? ` · model ${x.modelVersion}` : ''}` }),
      x.explanation ? h('p.explanation', { text: x.explanation }) : null,
      featureBars(x.topFeatures),
      feedbackState(x.feedback),
      feedbackForm(x, stored));
  };
  render(a);
  return li;
}

/** The workloads' score floors from false-alarm feedback, read from /metrics (anomaly_detector_workload_score_floor). */
async function scoreFloors() {
  const text = await fetch('/metrics').then((r) => (r.ok ? r.text() : ''), () => '');
  const floors = new Map();
  for (const m of text.matchAll(/^anomaly_detector_workload_score_floor\{([^}]*)\} (\S+)$/gm)) {
    const labels = Object.fromEntries([...m[1].matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    floors.set(`${labels.namespace}/${labels.workload}`, Number(m[2]));
  }
  return floors;
}

/**
 * How feedback changed each workload's alarms, over the anomalies loaded: false alarms and real
 * incidents marked, anomalies silenced in Alertmanager (weak feedback), the score floor the false alarms set, and the anomalies opened before and after
 * its first false alarm was marked.
 */
function feedbackSummary(anomalies, floors, now) {
  const by = new Map();
  for (const a of anomalies) {
    const key = `${a.namespace}/${a.workload}`;
    if (!by.has(key)) by.set(key, { namespace: a.namespace, workload: a.workload, list: [] });
    by.get(key).list.push(a);
  }
  const rows = [...by.values()].filter((w) => w.list.some((a) => a.feedback)).map((w) => {
    const marks = w.list.filter((a) => a.feedback?.verdict === 'false_alarm').map((a) => a.feedback.at);
    const first = marks.length ? Math.min(...marks) : null;
    const before = first === null ? null : w.list.filter((a) => a.start < first).length;
    const after = first === null ? null : w.list.filter((a) => a.start >= first).length;
    return h('tr', { 'data-workload': `${w.namespace}/${w.workload}` },
      h('td', {}, workloadLink(w.namespace, w.workload), h('span.muted', { text: ` ${w.namespace}` })),
      h('td.num', { text: String(marks.length) }),
      h('td.num', { text: String(w.list.filter((a) => a.feedback?.verdict === 'real_incident').length) }),
      h('td.num', { text: String(w.list.filter((a) => a.feedback?.verdict === 'silenced').length) }),
      h('td.num', { text: floors.has(`${w.namespace}/${w.workload}`) ? fmtScore(floors.get(`${w.namespace}/${w.workload}`)) : '–' }),
      h('td.num', { text: first === null ? '–' : String(before) }),
      h('td.num', { text: first === null ? '–' : `${after} in ${fmtDuration(Math.max(0, now - first) / 1000)}` }));
  });
  if (!rows.length) return note('No feedback on the anomalies shown yet.', 'empty');
  return h('table.feedback-summary', {},
    h('thead', {}, h('tr', {}, ['Workload', 'False alarms', 'Real incidents', 'Silenced', 'Score floor', 'Anomalies before the first false alarm', 'Since'].map((c, i) => h(i ? 'th.num' : 'th', { text: c })))),
    h('tbody', {}, rows));
}

function alertRow(a, now) {
  return h('tr', { 'data-alert': a.id },
    h('td', {}, badge(a.kind === 'early_warning' ? 'early warning' : 'anomaly', a.endsAt === null ? 'hot' : '')),
    h('td', {}, a.pod ? podLink(a.namespace, a.pod) : workloadLink(a.namespace, a.workload)),
    h('td', { text: a.namespace }),
    h('td', { text: fmtTime(a.startsAt) }),
    h('td', { text: a.endsAt === null ? `firing, ${fmtAgo(a.startsAt, now)}` : fmtDuration((a.endsAt - a.startsAt) / 1000) }),
    h('td', {}, a.summary ?? '', a.annotations?.incident_type
      ? h('span.incident', { text: ` · likely ${fmtFeature(a.annotations.incident_type)} (${Number(a.annotations.incident_probability).toFixed(2)})` }) : null));
}

/** The anomaly history page; `params` may carry q, namespace and range (ms). Returns { stop }. */
export function anomaliesPage(main, _args, params) {
  const q = h('input', { type: 'search', placeholder: 'search pod, workload, explanation', value: params.get('q') ?? '', 'aria-label': 'Search anomalies', size: 32 });
  const ns = h('input', { placeholder: 'namespace', value: params.get('namespace') ?? '', 'aria-label': 'Namespace', size: 12 });
  const range = h('select', { 'aria-label': 'Time range' }, RANGES.map(([label, ms]) => h('option', { value: String(ms), text: `last ${label}` })));
  range.value = params.get('range') ?? String(RANGES[2][1]);
  const [aPanel, aBody] = panel('Anomalies', h('div.filters', {}, q, ns, range));
  const [lPanel, lBody] = panel('Alerts');
  const [fPanel, fBody] = panel('Feedback and what it changed (the anomalies shown; alerts below a workload\'s score floor are muted)');
  main.append(h('div.page-head', {}, h('h1', { text: 'Anomaly history' })), fPanel, aPanel, lPanel);
  let seq = 0;

  const load = async () => {
    const mine = ++seq;
    const now = serverNow();
    const from = now - Number(range.value);
    const [an, al, floors] = await Promise.all([
      get('/anomalies', { q: q.value.trim(), namespace: ns.value.trim(), from, limit: 200 }).catch((e) => e),
      get('/api/alerts', { from, limit: 500 }).catch((e) => e),
      scoreFloors(),
    ]);
    if (mine !== seq) return;
    if (an instanceof Error) {
      aBody.replaceChildren(note(`Anomalies unknown: ${an.message}`, 'error'));
      fBody.replaceChildren();
    } else {
      aBody.replaceChildren(an.anomalies.length
        ? h('ul.anomalies', { id: 'anomalies' }, an.anomalies.map((a) => anomalyItem(a, now, load)))
        : note('No anomalies match.', 'empty'));
      fBody.replaceChildren(feedbackSummary(an.anomalies, floors, Math.max(now, serverNow())));
    }
    if (al instanceof Error) return lBody.replaceChildren(note(`Alerts unknown: ${al.message}`, 'error'));
    const text = q.value.trim().toLowerCase();
    const alerts = [...al.alerts].sort((a, b) => b.startsAt - a.startsAt).filter((a) => (!ns.value.trim() || a.namespace === ns.value.trim())
      && (!text || `${a.pod ?? ''} ${a.workload ?? ''} ${a.summary ?? ''}`.toLowerCase().includes(text)));
    lBody.replaceChildren(alerts.length
      ? h('table.alerts', {}, h('thead', {}, h('tr', {}, ['Kind', 'Pod', 'Namespace', 'Started', 'Duration', 'Summary'].map((c) => h('th', { text: c })))),
        h('tbody', {}, alerts.map((a) => alertRow(a, now))))
      : note('No alerts match.', 'empty'));
  };

  let debounce = null;
  const later = () => { clearTimeout(debounce); debounce = setTimeout(load, 250); };
  q.addEventListener('input', later);
  ns.addEventListener('input', later);
  range.addEventListener('change', load);
  void load();
  return { stop() { clearTimeout(debounce); seq++; } };
}
