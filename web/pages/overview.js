// Overview: source, sink and model health; alerts firing and recently resolved; early warnings with
// their time to exhaustion; every pod with its score and flag, sortable and filterable, live.
import { ApiError, get, serverNow, subscribe } from '../api.js';
import { badge, bar, h, note, panel, podLink, workloadLink } from '../dom.js';
import { fmtAgo, fmtDuration, fmtFeature, fmtScore, fmtTime } from '../format.js';

const RECENT_MS = 2 * 3600_000;
const REFRESH_MS = 10_000;
/** Early warnings list the pods whose warning fires, and those within this many seconds of a limit. */
const WARN_HORIZON_S = 6 * 3600;

/** What the pods table shows; kept while the dashboard is open. */
const view = { sort: 'score', dir: -1, q: '', namespace: '', flaggedOnly: false };

/** A pod's time to exhaustion per resource (seconds or null) and its firing warnings. */
export function exhaustionOf(p) {
  const e = p.exhaustion ?? {};
  return { memory: e.memorySeconds ?? e.memory ?? null, cpu: e.cpuSeconds ?? e.cpu ?? null, warnings: e.warnings ?? [] };
}

function soonest(p) {
  const e = exhaustionOf(p);
  const v = [e.memory, e.cpu].filter((x) => typeof x === 'number' && Number.isFinite(x));
  return v.length ? Math.min(...v) : Infinity;
}

const COLUMNS = [
  { key: 'namespace', label: 'Namespace', value: (p) => p.namespace, cell: (p) => p.namespace },
  { key: 'workload', label: 'Workload', value: (p) => p.workload, cell: (p) => workloadLink(p.namespace, p.workload) },
  { key: 'pod', label: 'Pod', value: (p) => p.pod, cell: (p) => podLink(p.namespace, p.pod) },
  { key: 'score', label: 'Score', num: true, value: (p) => p.score, cell: (p) => [bar(p.score, p.flagged ? 'hot' : ''), h('span.num', { text: fmtScore(p.score) })] },
  { key: 'flagged', label: 'Flag', value: (p) => (p.flagged ? 1 : 0), cell: (p) => (p.flagged ? badge('anomalous', 'hot') : badge('ok', 'ok')) },
  { key: 'peer', label: 'Peer', num: true, value: (p) => p.peerScore ?? 0, cell: (p) => fmtScore(p.peerScore) },
  { key: 'model', label: 'Model', value: (p) => p.model ?? '', cell: (p) => p.model ?? '–' },
  { key: 'exhaustion', label: 'Exhaustion in', num: true, value: soonest, cell: (p) => (Number.isFinite(soonest(p)) ? fmtDuration(soonest(p)) : '–') },
  { key: 'why', label: 'Top feature', value: (p) => p.anomaly?.topFeatures?.[0]?.feature ?? '', cell: (p) => (p.anomaly?.topFeatures?.[0] ? fmtFeature(p.anomaly.topFeatures[0].feature) : '') },
];

function healthCards(health, ready) {
  const cards = [];
  const card = (title, ok, lines) => cards.push(h(`div.card.${ok ? 'ok' : 'bad'}`, { 'data-health': title.toLowerCase() },
    h('h3', {}, title, ' ', badge(ok ? 'up' : 'down', ok ? 'ok' : 'hot')), ...lines.map((l) => h('p', { text: l }))));
  card('Source', health.sourceUp, [health.source, health.lastError ? `last error: ${health.lastError}` : `last cycle ${fmtTime(Date.parse(health.lastCycleAt))}`]);
  card('Model', health.trained, [health.modelVersion ?? 'not trained yet', `${health.models} models, ${health.pods} pods`, health.trainedAt ? `trained ${fmtTime(Date.parse(health.trainedAt))}` : '']);
  const sinks = Object.entries(health.notify?.sinks ?? {});
  card('Alert sinks', sinks.every(([, s]) => s.up), sinks.length
    ? sinks.map(([name, s]) => `${name}: ${s.up ? 'up' : 'down'}${s.pending ? `, ${s.pending} waiting` : ''}${s.lastError ? ` (${s.lastError})` : ''}`)
    : ['none configured', `${health.notify?.firing ?? 0} alerts firing`]);
  if (health.forecast) card('Forecasts', !health.forecast.lastError, [health.forecast.enabled ? (health.forecast.backfilling ? 'loading history' : 'running') : 'off', health.forecast.lastError ?? '']);
  card('Ready', ready.ready, [ready.ready ? 'serving' : (ready.reason ?? 'not ready'), `kad ${health.version}`]);
  return cards;
}

function alertItem(a, now) {
  const where = a.pod ? podLink(a.namespace, a.pod) : workloadLink(a.namespace, a.workload);
  return h('li', { 'data-alert': a.id },
    badge(a.kind === 'early_warning' ? 'early warning' : 'anomaly', a.endsAt === null ? 'hot' : ''), ' ',
    h('strong', {}, where), ` ${a.namespace} · `,
    a.endsAt === null ? `firing since ${fmtAgo(a.startsAt, now)}` : `resolved ${fmtAgo(a.endsAt, now)} (lasted ${fmtDuration((a.endsAt - a.startsAt) / 1000)})`,
    a.summary ? h('div.muted', { text: a.summary }) : null);
}

/** The overview page in `main`; returns { stop }. */
export function overviewPage(main) {
  const [healthPanel, healthBody] = panel('Health');
  const [alertPanel, alertBody] = panel('Alerts');
  const [warnPanel, warnBody] = panel('Early warnings');
  const filter = h('input', { type: 'search', placeholder: 'filter pods, workloads', value: view.q, 'aria-label': 'Filter pods' });
  const nsSelect = h('select', { 'aria-label': 'Namespace' }, h('option', { value: '', text: 'all namespaces' }));
  const flaggedBox = h('input', { type: 'checkbox', checked: view.flaggedOnly });
  const count = h('span.muted');
  const [podPanel, podBody] = panel('Pods', h('div.filters', {}, filter, nsSelect, h('label', {}, flaggedBox, ' flagged only'), count));
  const thead = h('tr');
  const tbody = h('tbody');
  const table = h('table.pods', { id: 'pods' }, h('thead', {}, thead), tbody);
  const podNote = h('div');
  podBody.append(podNote, table);
  main.append(h('div.health-row', {}, healthPanel), h('div.grid2', {}, alertPanel, warnPanel), podPanel);

  let pods = [];
  let lastSlow = 0;
  let lastFlags = '';
  let stopped = false;

  const renderHead = () => {
    thead.replaceChildren(...COLUMNS.map((c) => h(`th${c.num ? '.num' : ''}`, {
      'data-sort': c.key,
      class: view.sort === c.key ? (view.dir > 0 ? 'asc' : 'desc') : '',
      'aria-sort': view.sort === c.key ? (view.dir > 0 ? 'ascending' : 'descending') : 'none',
      onclick: () => {
        view.dir = view.sort === c.key ? -view.dir : (c.num || c.key === 'flagged' ? -1 : 1);
        view.sort = c.key;
        renderHead();
        renderRows();
      },
    }, c.label)));
  };

  const renderRows = () => {
    const q = view.q.toLowerCase();
    const col = COLUMNS.find((c) => c.key === view.sort) ?? COLUMNS[3];
    const rows = pods
      .filter((p) => (!view.namespace || p.namespace === view.namespace) && (!view.flaggedOnly || p.flagged)
        && (!q || `${p.namespace} ${p.workload} ${p.pod}`.toLowerCase().includes(q)))
      .sort((a, b) => {
        const x = col.value(a);
        const y = col.value(b);
        return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) * view.dir || a.pod.localeCompare(b.pod);
      });
    tbody.replaceChildren(...rows.map((p) => h(`tr${p.flagged ? '.flagged' : ''}`, { 'data-pod': p.pod, 'data-namespace': p.namespace, 'data-flagged': p.flagged ? '1' : '0' },
      COLUMNS.map((c) => h(`td${c.num ? '.num' : ''}`, {}, c.cell(p))))));
    count.textContent = `${rows.length} of ${pods.length} pods, ${pods.filter((p) => p.flagged).length} flagged`;
  };

  const renderWarnings = (now) => {
    const soon = pods.filter((p) => soonest(p) < WARN_HORIZON_S || exhaustionOf(p).warnings.length)
      .sort((a, b) => exhaustionOf(b).warnings.length - exhaustionOf(a).warnings.length || soonest(a) - soonest(b)).slice(0, 8);
    warnBody.replaceChildren(soon.length ? h('ul.list', {}, soon.map((p) => {
      const e = exhaustionOf(p);
      const parts = [['memory', e.memory], ['CPU', e.cpu]].filter(([, s]) => typeof s === 'number' && Number.isFinite(s));
      return h('li', { 'data-warning': p.pod },
        e.warnings.length ? badge('firing', 'hot') : badge('trend', 'warn'), ' ', h('strong', {}, podLink(p.namespace, p.pod)), ` ${p.namespace} · `,
        parts.map(([r, s]) => `${r} limit in ${fmtDuration(s)} (${fmtTime(now + s * 1000)})`).join(', '));
    })) : note(`No pod is heading for its memory or CPU limit within ${fmtDuration(WARN_HORIZON_S)}.`, 'empty'));
  };

  const refreshSlow = async () => {
    lastSlow = Date.now();
    const now = serverNow();
    const [health, ready, alerts] = await Promise.all([
      get('/healthz').catch((e) => e),
      fetch('/readyz').then((r) => r.json()).catch(() => ({ ready: false, reason: 'unreachable' })),
      get('/api/alerts', { from: now - RECENT_MS, limit: 200 }).catch((e) => e),
    ]);
    if (stopped) return;
    healthBody.replaceChildren(...(health instanceof Error ? [note(`Health unknown: ${health.message}`, 'error')] : [h('div.cards', {}, healthCards(health, ready))]));
    if (alerts instanceof Error) {
      alertBody.replaceChildren(note(alerts instanceof ApiError && alerts.status === 404 ? 'This kad has no alert history (/api/alerts).' : `Alerts unknown: ${alerts.message}`, 'error'));
    } else {
      const list = alerts.alerts ?? [];
      const firing = list.filter((a) => a.endsAt === null);
      const resolved = list.filter((a) => a.endsAt !== null).sort((a, b) => b.endsAt - a.endsAt).slice(0, 6);
      alertBody.replaceChildren(
        h('h3', { text: `Firing (${firing.length})` }),
        firing.length ? h('ul.list', { id: 'alerts-firing' }, firing.map((a) => alertItem(a, now))) : note('Nothing is firing.', 'empty'),
        h('h3', { text: 'Recently resolved' }),
        resolved.length ? h('ul.list', { id: 'alerts-resolved' }, resolved.map((a) => alertItem(a, now))) : note('None in the last 2 hours.', 'empty'));
    }
  };

  filter.addEventListener('input', () => { view.q = filter.value; renderRows(); });
  nsSelect.addEventListener('change', () => { view.namespace = nsSelect.value; renderRows(); });
  flaggedBox.addEventListener('change', () => { view.flaggedOnly = flaggedBox.checked; renderRows(); });
  renderHead();

  const unsubscribe = subscribe((payload, err) => {
    if (!payload) {
      if (Date.now() - lastSlow > REFRESH_MS) void refreshSlow();
      podNote.replaceChildren(note(err instanceof ApiError && err.status === 503 ? `Not scoring yet: ${err.message}` : `Pods unknown: ${err?.message}`, 'error'));
      return;
    }
    podNote.replaceChildren();
    pods = payload.pods ?? [];
    // A pod flagged or cleared: its alert starts or ends now, so the alerts are read again at once.
    const flags = pods.filter((p) => p.flagged).map((p) => `${p.namespace}/${p.pod}`).sort().join(' ');
    if (flags !== lastFlags) {
      lastFlags = flags;
      lastSlow = 0;
    }
    main.dataset.cycle = String(payload.t);
    const namespaces = [...new Set(pods.map((p) => p.namespace))].sort();
    if (nsSelect.options.length !== namespaces.length + 1) {
      nsSelect.replaceChildren(h('option', { value: '', text: 'all namespaces' }), ...namespaces.map((n) => h('option', { value: n, text: n })));
      nsSelect.value = view.namespace;
    }
    renderRows();
    renderWarnings(payload.t ?? Date.now());
    if (Date.now() - lastSlow > REFRESH_MS) void refreshSlow();
  });
  const timer = setInterval(() => { if (Date.now() - lastSlow > REFRESH_MS) void refreshSlow(); }, REFRESH_MS);
  return { stop() { stopped = true; unsubscribe(); clearInterval(timer); } };
}
