// Buckle sample: the device flow (TVs, devices, command-line programs), with @coze/api.
//
// / asks Buckle for a device code and shows the user code with the address
// where the user enters it; the program polls Buckle in the background until
// the user approves, then shows the token with its expiry, calls
// /v1/users/me, and can refresh it.

import { CozeAPI, getDeviceCode, getDeviceToken, refreshOAuthToken } from '@coze/api';
import {
  button,
  describe,
  errorBody,
  escapeHtml,
  loadConfig,
  page,
  reply,
  serve,
  tokenFacts,
  userFacts,
} from './sample_page.mjs';

const TITLE = 'Buckle device app sample';
const config = loadConfig();
const baseURL = config.coze_api_base;
const clientId = config.client_id;
const session = { code: null, token: null, error: null };

async function signedIn(token) {
  const me = await new CozeAPI({ token: token.access_token, baseURL }).users.me();
  const body = userFacts(me) + tokenFacts(token) + button('/refresh', 'Refresh the token', 'refresh');
  return reply({ body: page(TITLE, body) });
}

function home() {
  if (session.token) return signedIn(session.token);
  if (session.error) {
    const error = session.error;
    session.code = null;
    session.error = null;
    return reply({ body: page(TITLE, errorBody(error)) });
  }
  if (!session.code) return reply({ body: page(TITLE, button('/start', 'Get a device code', 'start')) });
  const { verification_uri: uri, user_code: userCode } = session.code;
  const url = `${uri}?user_code=${encodeURIComponent(userCode)}`;
  const body =
    `<p>Open <a id="verification" href="${escapeHtml(url)}">${escapeHtml(uri)}</a> and enter the code ` +
    `<strong id="user-code">${escapeHtml(userCode)}</strong>.</p>` +
    '<p>Waiting for your approval; this page reloads by itself.</p>';
  return reply({ body: page(TITLE, body), refresh: 3 });
}

async function start() {
  const code = await getDeviceCode({ baseURL, clientId });
  Object.assign(session, { code, token: null, error: null });
  // poll: true waits until the user approves, denies, or the code expires.
  getDeviceToken({ baseURL, clientId, deviceCode: code.device_code, poll: true }).then(
    token => {
      session.token = token;
    },
    e => {
      session.error = describe(e);
    },
  );
  return reply({ status: 303, location: '/' });
}

async function refresh() {
  if (!session.token) return reply({ status: 303, location: '/' });
  session.token = await refreshOAuthToken({ baseURL, clientId, refreshToken: session.token.refresh_token });
  return signedIn(session.token);
}

serve({ 'GET /': home, 'POST /start': start, 'POST /refresh': refresh }, TITLE);
