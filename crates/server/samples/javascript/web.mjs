// Buckle sample: the authorization code flow of a web app, with @coze/api.
//
// / links to Buckle's consent page; Buckle sends the browser back to the
// redirect URI with a code; the program trades it (with the client secret)
// for a token, shows it with its expiry, calls /v1/users/me, and can refresh it.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { CozeAPI, getWebAuthenticationUrl, getWebOAuthToken, refreshOAuthToken } from '@coze/api';
import { button, errorBody, link, loadConfig, page, reply, serve, tokenFacts, userFacts } from './sample_page.mjs';

const TITLE = 'Buckle web app sample';
const config = loadConfig();
if (!config.client_secret) {
  console.error("coze_oauth_config.json has no client_secret: put the app's secret there");
  process.exit(1);
}
const baseURL = config.coze_api_base;
const clientId = config.client_id;
const clientSecret = config.client_secret;
const redirectUrl = config.redirect_uri;
const session = { state: null, token: null };

function home() {
  return reply({ body: page(TITLE, link('/login', 'Sign in with Buckle', 'login')) });
}

function login() {
  session.state = randomBytes(16).toString('hex');
  return reply({
    status: 302,
    location: getWebAuthenticationUrl({ baseURL, clientId, redirectUrl, state: session.state }),
  });
}

async function signedIn() {
  const me = await new CozeAPI({ token: session.token.access_token, baseURL }).users.me();
  const body = userFacts(me) + tokenFacts(session.token) + button('/refresh', 'Refresh the token', 'refresh');
  return reply({ body: page(TITLE, body) });
}

function sameState(got, expected) {
  const a = Buffer.from(String(got ?? ''));
  const b = Buffer.from(String(expected ?? ''));
  return expected !== null && a.length === b.length && timingSafeEqual(a, b);
}

async function callback(query) {
  if (!('code' in query) && !('error' in query)) return home();
  if ('error' in query) {
    return reply({ status: 400, body: page(TITLE, errorBody(`Buckle answered: ${query.error}`)) });
  }
  const expected = session.state;
  session.state = null;
  if (!sameState(query.state, expected)) {
    return reply({ status: 400, body: page(TITLE, errorBody('The state does not match: start again.')) });
  }
  session.token = await getWebOAuthToken({ baseURL, clientId, clientSecret, redirectUrl, code: query.code });
  return signedIn();
}

async function refresh() {
  if (!session.token) return reply({ status: 303, location: '/' });
  session.token = await refreshOAuthToken({
    baseURL,
    clientId,
    clientSecret,
    refreshToken: session.token.refresh_token,
  });
  return signedIn();
}

serve(
  {
    'GET /': home,
    'GET /login': login,
    [`GET ${new URL(redirectUrl).pathname}`]: callback,
    'POST /refresh': refresh,
  },
  TITLE,
);
