// The dashboard's entry: a hash router over the pages, the header's live indicator and API token dialog.
import { getToken, setToken, startLive } from './api.js';
import { h } from './dom.js';
import { anomaliesPage } from './pages/anomalies.js';
import { incidentsPage } from './pages/incidents.js';
import { overviewPage } from './pages/overview.js';
import { podPage } from './pages/pod.js';
import { workloadPage } from './pages/workload.js';

/** Routes: a pattern over the hash (without its query) → the page it shows and the nav entry it marks. */
const ROUTES = [
  [/^#?\/?$/, overviewPage, 'overview'],
  [/^#\/pod\/([^/]+)\/([^/]+)$/, podPage, 'overview'],
  [/^#\/workload\/([^/]+)\/([^/]+)$/, workloadPage, 'overview'],
  [/^#\/anomalies$/, anomaliesPage, 'anomalies'],
  [/^#\/incidents$/, incidentsPage, 'incidents'],
];

const main = document.getElementById('main');
let current = null;

function route() {
  current?.stop?.();
  current = null;
  main.replaceChildren();
  const [path, search] = (location.hash || '#/').split('?');
  for (const [re, page, nav] of ROUTES) {
    const m = re.exec(path);
    if (!m) continue;
    for (const a of document.querySelectorAll('[data-nav]')) a.classList.toggle('active', a.dataset.nav === nav);
    document.body.dataset.page = page.name.replace(/Page$/, '');
    current = page(main, m.slice(1).map(decodeURIComponent), new URLSearchParams(search ?? ''));
    return;
  }
  main.append(h('p.note.error', { text: `No page ${path}. ` }, h('a', { href: '#/', text: 'Overview' })));
}

function tokenDialog() {
  const input = h('input', { type: 'password', placeholder: 'bearer token (KAD_API_TOKEN)', value: getToken(), autocomplete: 'off', size: 40 });
  const dialog = h('dialog.token', {},
    h('form', { method: 'dialog' },
      h('h2', { text: 'API token' }),
      h('p', { text: 'Feedback on anomalies is a change: kad asks for its API token (KAD_API_TOKEN). It is kept in this browser only.' }),
      input,
      h('menu', {},
        h('button', { value: 'clear', type: 'submit', text: 'Forget' }),
        h('button', { value: 'save', type: 'submit', class: 'primary', text: 'Save' }))));
  dialog.addEventListener('close', () => {
    if (dialog.returnValue === 'save') setToken(input.value.trim());
    if (dialog.returnValue === 'clear') setToken('');
    markToken();
    dialog.remove();
  });
  document.body.append(dialog);
  dialog.showModal();
}

function markToken() {
  document.getElementById('token-button').classList.toggle('set', Boolean(getToken()));
}

const live = document.getElementById('live');
startLive((mode) => {
  live.textContent = mode;
  live.dataset.mode = mode;
});
document.getElementById('token-button').addEventListener('click', tokenDialog);
document.addEventListener('kad:token', tokenDialog);
markToken();
window.addEventListener('hashchange', route);
route();
