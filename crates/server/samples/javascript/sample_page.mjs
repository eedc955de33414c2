// What every Buckle JavaScript sample shares: its configuration, a tiny web
// server on 127.0.0.1 (Node's own http module, so @coze/api is the only
// dependency), and the pages it shows. Every value put in a page goes
// through escapeHtml.

import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));

/** coze_oauth_config.json, beside this file. */
export function loadConfig() {
  const file = path.join(HERE, 'coze_oauth_config.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    console.error(`cannot read ${file}: ${e.message}`);
    process.exit(1);
  }
}

/** 8080 unless the environment variable PORT says otherwise. */
export function port() {
  const value = process.env.PORT || '8080';
  if (!/^\d+$/.test(value)) {
    console.error(`PORT must be a number, not ${JSON.stringify(value)}`);
    process.exit(1);
  }
  return Number(value);
}

export function escapeHtml(value) {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** The token's expiry (absolute unix seconds) as a readable UTC time. */
export function expiry(expiresIn) {
  const seconds = Number(expiresIn);
  if (!Number.isFinite(seconds)) return String(expiresIn);
  return `${new Date(seconds * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '')} UTC`;
}

export function page(title, body) {
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    `<title>${escapeHtml(title)}</title>` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<style>body{font-family:sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}' +
    'code{word-break:break-all}dt{font-weight:bold;margin-top:.5rem}.error{color:#b00020}</style>' +
    `</head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`
  );
}

/** The token, its expiry and (when there is one) its refresh token. */
export function tokenFacts(token) {
  const rows = [
    ['Access token', `<code id="access-token">${escapeHtml(token.access_token)}</code>`],
    ['Expires', `<span id="expires-at">${escapeHtml(expiry(token.expires_in))}</span>`],
  ];
  if (token.refresh_token) {
    rows.push(['Refresh token', `<code id="refresh-token">${escapeHtml(token.refresh_token)}</code>`]);
  }
  return `<dl>${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

/** "Authorization Successful" with the user's id and nickname. */
export function userFacts(user) {
  return (
    '<p id="result"><strong>Authorization Successful</strong></p><dl>' +
    `<dt>User id</dt><dd id="user-id">${escapeHtml(user.user_id)}</dd>` +
    `<dt>Nickname</dt><dd id="nickname">${escapeHtml(user.nick_name)}</dd></dl>`
  );
}

export function button(action, label, id) {
  return (
    `<form method="post" action="${escapeHtml(action)}">` +
    `<button type="submit" id="${escapeHtml(id)}">${escapeHtml(label)}</button></form>`
  );
}

export function link(href, label, id) {
  return `<p><a id="${escapeHtml(id)}" href="${escapeHtml(href)}">${escapeHtml(label)}</a></p>`;
}

export function errorBody(message) {
  return `<p class="error" id="error">${escapeHtml(message)}</p>${link('/', 'Start again', 'again')}`;
}

/** What a route answers: a page, or a redirect. */
export function reply({ status = 200, body = '', location, refresh } = {}) {
  return { status, body, location, refresh };
}

/** The message of an SDK error, with Buckle's own words when it sent some. */
export function describe(e) {
  return e && e.rawError ? `${e.message} ${JSON.stringify(e.rawError)}` : String(e && e.message ? e.message : e);
}

/** Serves routes["METHOD /path"](query) -> reply on 127.0.0.1:PORT. */
export function serve(routes, title) {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const query = Object.fromEntries(url.searchParams);
    const route = routes[`${req.method} ${url.pathname}`];
    let answer;
    try {
      answer = route
        ? await route(query)
        : reply({ status: 404, body: page('Not found', link('/', 'Home', 'home')) });
    } catch (e) {
      // The sample shows what went wrong instead of dying.
      answer = reply({ status: 500, body: page(title, errorBody(describe(e))) });
    }
    const headers = { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' };
    if (answer.location) headers.Location = answer.location;
    if (answer.refresh) headers.Refresh = String(answer.refresh);
    req.resume();
    res.writeHead(answer.status, headers);
    res.end(answer.body);
  });
  server.listen(port(), '127.0.0.1', () => {
    console.log(`${title}: open http://127.0.0.1:${server.address().port}/`);
  });
}
