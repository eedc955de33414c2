// Buckle sample: the PKCE flow (single-page, mobile and desktop apps), with @coze/api.
//
// / links to Buckle's consent page with an S256 code challenge (the SDK makes
// the code verifier); Buckle sends the browser back to the redirect URI with a
// code; the program trades it and the code verifier (no secret) for a token,
// shows it with its expiry, calls /v1/users/me, and can refresh it.

import { randomBytes } from 'node:crypto';
import { CozeAPI, getPKCEAuthenticationUrl, getPKCEOAuthToken, refreshOAuthToken } from '@coze/api';
import { button, errorBody, link, loadConfig, page, reply, serve, tokenFacts, userFacts } from './sample_page.mjs';

const TITLE = 'Buckle PKCE app sample';
const config = loadConfig();
const baseURL = config.coze_api_base;
const clientId = config.client_id;
const redirectUrl = config.redirect_uri;
// The code verifier of each authorization in progress, by its state.
const verifiers = new Map();
const session = { token: null };

function home() {
  return reply({ body: page(TITLE, link('/login', 'Sign in with Buckle', 'login')) });
}

async function login() {
  const state = randomBytes(16).toString('hex');
  const { url, codeVerifier } = await getPKCEAuthenticationUrl({
    baseURL,
    clientId,
    redirectUrl,
    state,
    code_challenge_method: 'S256',
  });
  verifiers.set(state, codeVerifier);
  return reply({ status: 302, location: url });
}

async function signedIn() {
  const me = await new CozeAPI({ token: session.token.access_token, baseURL }).users.me();
  const body = userFacts(me) + tokenFacts(session.token) + button('/refresh', 'Refresh the token', 'refresh');
  return reply({ body: page(TITLE, body) });
}

async function callback(query) {
  if (!('code' in query) && !('error' in query)) return home();
  if ('error' in query) {
    return reply({ status: 400, body: page(TITLE, errorBody(`Buckle answered: ${query.error}`)) });
  }
  const codeVerifier = verifiers.get(query.state ?? '');
  verifiers.delete(query.state ?? '');
  if (!codeVerifier) {
    return reply({ status: 400, body: page(TITLE, errorBody('The state does not match: start again.')) });
  }
  session.token = await getPKCEOAuthToken({ baseURL, clientId, redirectUrl, code: query.code, codeVerifier });
  return signedIn();
}

async function refresh() {
  if (!session.token) return reply({ status: 303, location: '/' });
  session.token = await refreshOAuthToken({ baseURL, clientId, refreshToken: session.token.refresh_token });
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
