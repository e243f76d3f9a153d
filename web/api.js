// The dashboard's access to kad's JSON API: GET and POST helpers, the API token (pasted once, kept in
// localStorage), and the live feed of scoring cycles (Server-Sent Events at /api/events, polling
// /api/pods while the stream is not open).

const TOKEN_KEY = 'kad.apiToken';
const POLL_MS = 10_000;

/** An answer that is not a success, with kad's error shape `{ code, error, message }`. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.code ?? null;
  }
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

async function answer(res) {
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

/** GET `path` with query `params`; resolves with the JSON body, rejects with an {@link ApiError}. */
export async function get(path, params, signal) {
  return answer(await fetch(`${path}${query(params)}`, { headers: { accept: 'application/json' }, signal }));
}

/** POST `body` as JSON to `path` with the API token. */
export async function post(path, body) {
  const headers = { 'content-type': 'application/json', accept: 'application/json' };
  const token = getToken();
  if (token) headers.authorization = `Bearer ${token}`;
  return answer(await fetch(path, { method: 'POST', headers, body: JSON.stringify(body) }));
}

/** The API token for mutating calls ('' when none is set). */
export function getToken() {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

/** Keeps (or, with '', forgets) the API token in this browser. */
export function setToken(token) {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

const listeners = new Set();
let lastCycle = null;
let source = null;
let mode = 'connecting';
let onMode = () => {};

function publish(payload) {
  lastCycle = { payload, at: Date.now() };
  for (const fn of listeners) fn(payload);
}

async function poll() {
  try {
    publish(await get('/api/pods'));
  } catch (e) {
    for (const fn of listeners) fn(null, e);
  }
}

function setMode(m) {
  mode = m;
  onMode(m);
}

function connect() {
  if (typeof EventSource === 'undefined') return setMode('polling');
  source = new EventSource('/api/events');
  source.addEventListener('open', () => setMode('live'));
  source.addEventListener('cycle', (ev) => {
    try {
      publish(JSON.parse(ev.data));
    } catch {
      // a malformed event: the next one or the poll will do
    }
  });
  source.addEventListener('error', () => {
    // CLOSED: the server refused the stream (no such route, an error): poll, and try the stream again later.
    if (source.readyState === EventSource.CLOSED) {
      source = null;
      setMode('polling');
      setTimeout(connect, 60_000);
    } else setMode('reconnecting');
  });
}

/** Starts the live feed (once); `modeChanged` hears 'live', 'reconnecting' or 'polling'. */
export function startLive(modeChanged) {
  onMode = modeChanged;
  connect();
  setInterval(() => {
    if (mode !== 'live' && listeners.size) void poll();
  }, POLL_MS);
}

/**
 * Calls `fn(payload)` with every scoring cycle's /api/pods payload (and `fn(null, error)` when a poll
 * fails), at once with the latest known or fetched now; returns the function that stops it.
 */
export function subscribe(fn) {
  listeners.add(fn);
  if (lastCycle && Date.now() - lastCycle.at < POLL_MS) fn(lastCycle.payload);
  else void poll();
  return () => listeners.delete(fn);
}

/** The server's time: the latest cycle's time (the simulated clock may run fast), else this browser's. */
export function serverNow() {
  const t = lastCycle?.payload?.t;
  return typeof t === 'number' ? t : Date.now();
}
