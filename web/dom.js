// DOM helpers of the dashboard: one element builder (no innerHTML anywhere: every text is a text node) and small widgets.

/**
 * Builds an element. `tag` may carry classes (`'td.num'`); `props` sets attributes, `on*` listeners,
 * `text`, `class`, `data-*` and `dataset`; children are nodes, strings or numbers, nested arrays,
 * or null/false (skipped). Styles are never set through attributes (the CSP allows none).
 */
export function h(tag, props = {}, ...children) {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name);
  if (classes.length) el.className = classes.join(' ');
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') el.textContent = String(v);
    else if (k === 'class') el.classList.add(...String(v).split(/\s+/).filter(Boolean));
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value' || k === 'checked') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

/** Replaces the children of `el` by `children` (as {@link h} takes them: null and false skipped). */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** A titled panel; returns [panel, body]. */
export function panel(title, ...extra) {
  const body = h('div.panel-body');
  return [h('section.panel', {}, h('header.panel-head', {}, h('h2', { text: title }), ...extra), body), body];
}

/** A message in place of content: 'info', 'empty' or 'error'. */
export function note(text, kind = 'info') {
  return h(`p.note.${kind}`, { text });
}

/** A horizontal bar for a value in [0, 1] (the width is set through the CSSOM, which the CSP allows). */
export function bar(value, cls = '') {
  const fill = h(`span.bar-fill${cls ? `.${cls}` : ''}`);
  fill.style.width = `${Math.max(0, Math.min(1, value)) * 100}%`;
  return h('span.bar', {}, fill);
}

/** A small status badge. */
export function badge(text, kind = '') {
  return h(`span.badge${kind ? `.${kind}` : ''}`, { text });
}

/** A link to a pod's page. */
export function podLink(namespace, pod) {
  return h('a', { href: `#/pod/${encodeURIComponent(namespace)}/${encodeURIComponent(pod)}`, text: pod });
}

/** A link to a workload's page. */
export function workloadLink(namespace, workload) {
  return h('a', { href: `#/workload/${encodeURIComponent(namespace)}/${encodeURIComponent(workload)}`, text: workload });
}
