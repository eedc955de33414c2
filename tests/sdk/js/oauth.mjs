#!/usr/bin/env node
// Run Buckle's OAuth flows through the real Coze JavaScript SDK (@coze/api,
// version pinned in package.json next to this file).
//
// Spawned by the Rust integration tests, which do the human part of each flow
// (sign-in and consent on Buckle's pages, approving a device code) while this
// script waits. Same protocol as tests/sdk/cozepy_oauth.py; read its docstring
// for the steps of each flow. Differences that come from the SDK:
//
//   - pkce: @coze/api generates the code verifier itself (64 hex characters)
//     and ALWAYS computes an S256 challenge; BUCKLE_PKCE_METHOD only sets the
//     code_challenge_method parameter. With "plain" the URL therefore carries
//     the S256 challenge labelled "plain" (an SDK bug, reproduced faithfully).
//   - jwt: the "aud" claim is BUCKLE_AUD (the SDK takes it from the caller);
//     if unset, the host:port of BUCKLE_BASE_URL. BUCKLE_ACCOUNT_ID selects
//     the SDK's accountId option (/api/permission/oauth2/account/{id}/token).
//   - errors: the SDK throws APIError subclasses chosen by HTTP status (or by
//     an OpenAPI "code"). A step that got one prints
//       {"step", "error_class", "status", "code", "error_code", "msg",
//        "message", "logid", "raw"}
//     error_class: constructor name (BadRequestError, AuthenticationError,
//     PermissionDeniedError, NotFoundError, RateLimitError, TimeoutError,
//     GatewayError, InternalServerError, APIError, APIConnectionError,
//     APIUserAbortError); status: the SDK's "status" (set by the subclass);
//     code: the body's "code" (OpenAPI errors; null for OAuth errors);
//     error_code: the body's "error" (what the SDK's poller reads), else its
//     "error_code"; msg: the body's "msg", else "error_message", else
//     "error_description"; message: the Error's message as the SDK built it;
//     raw: the response body as the SDK kept it (error.rawError).
//
// Exit status: 0 after "done"; 2 when a step that had to succeed got an SDK
// error (printed on stdout); 1 with a stack trace on stderr for anything else.

import readline from 'node:readline';
import {
  APIError,
  CozeAPI,
  getDeviceCode,
  getDeviceToken,
  getJWTToken,
  getPKCEAuthenticationUrl,
  getPKCEOAuthToken,
  getWebAuthenticationUrl,
  getWebOAuthToken,
  refreshOAuthToken,
} from '@coze/api';

const EXIT_STEP_FAILED = 2;

class StepFailed extends Error {}

function emit(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

function env(name, dflt) {
  const v = process.env[name];
  if (v === undefined || v === '') {
    if (dflt === undefined) throw new Error(`environment variable ${name} is required`);
    return dflt;
  }
  return v;
}

function optEnv(name) {
  const v = process.env[name];
  return v ? v : undefined;
}

let lines; // async iterator over stdin lines, created on first use
let rl;

async function readInput(key) {
  if (!lines) {
    rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
    lines = rl[Symbol.asyncIterator]();
  }
  const { value, done } = await lines.next();
  if (done) throw new Error(`stdin closed while waiting for {"${key}": ...}`);
  const msg = JSON.parse(value);
  if (msg === null || typeof msg !== 'object' || !(key in msg)) {
    throw new Error(`expected a JSON object with "${key}", got ${JSON.stringify(value)}`);
  }
  return msg;
}

const BASE_URL = env('BUCKLE_BASE_URL', '-');
const TIMEOUT_MS = Math.round(Number(env('BUCKLE_SDK_TIMEOUT', '30')) * 1000);
// RequestOptions are axios request options, merged into every SDK request.
const OPTS = { timeout: TIMEOUT_MS };

function nullable(v) {
  return v === undefined ? null : v;
}

function errorFields(e) {
  const raw = e.rawError;
  const body = raw !== null && typeof raw === 'object' ? raw : {};
  return {
    error_class: e.constructor.name,
    status: nullable(e.status),
    code: nullable(e.code),
    error_code: nullable(body.error ?? body.error_code),
    msg: nullable(e.msg ?? body.error_message ?? body.error_description),
    message: e.message,
    logid: nullable(e.logid),
    raw: nullable(raw),
  };
}

async function step(name, call, fields, required) {
  let result;
  try {
    result = await call();
  } catch (e) {
    if (!(e instanceof APIError)) throw e;
    emit({ step: name, ...errorFields(e) });
    if (required) throw new StepFailed(name);
    return null;
  }
  emit({ step: name, ...fields(result) });
  return result;
}

const tokenFields = t => ({
  access_token: nullable(t.access_token),
  refresh_token: nullable(t.refresh_token),
  expires_in: nullable(t.expires_in),
  token_type: nullable(t.token_type),
});

const userFields = u => ({
  user_id: nullable(u.user_id),
  user_name: nullable(u.user_name),
  nick_name: nullable(u.nick_name),
  avatar_url: nullable(u.avatar_url),
});

function me(name, token) {
  const client = new CozeAPI({ token, baseURL: BASE_URL, axiosOptions: OPTS });
  return step(name, () => client.users.me(), userFields, false);
}

async function flowWeb() {
  const clientId = env('BUCKLE_CLIENT_ID');
  const clientSecret = env('BUCKLE_CLIENT_SECRET');
  const redirectUrl = env('BUCKLE_REDIRECT_URI');
  const url = getWebAuthenticationUrl({
    baseURL: BASE_URL,
    clientId,
    redirectUrl,
    state: 'st-123',
    workspaceId: optEnv('BUCKLE_WORKSPACE_ID'),
  });
  emit({ step: 'authorize_url', url });
  const { code } = await readInput('code');

  const tok = await step(
    'token',
    () => getWebOAuthToken({ baseURL: BASE_URL, clientId, clientSecret, redirectUrl, code }, OPTS),
    tokenFields,
    true,
  );
  await me('me', tok.access_token);
  const refresh = refreshToken =>
    refreshOAuthToken({ baseURL: BASE_URL, clientId, clientSecret, refreshToken }, OPTS);
  const fresh = await step('refreshed', () => refresh(tok.refresh_token), tokenFields, true);
  await me('me2', fresh.access_token);
  await step('reuse', () => refresh(tok.refresh_token), tokenFields, false);
  await me('after_reuse', fresh.access_token);
}

async function flowPkce() {
  const clientId = env('BUCKLE_CLIENT_ID');
  const redirectUrl = env('BUCKLE_REDIRECT_URI');
  const method = env('BUCKLE_PKCE_METHOD', 'S256');
  const { url, codeVerifier } = await getPKCEAuthenticationUrl({
    baseURL: BASE_URL,
    clientId,
    redirectUrl,
    state: 'st-123',
    code_challenge_method: method,
    workspaceId: optEnv('BUCKLE_WORKSPACE_ID'),
  });
  emit({ step: 'authorize_url', url, code_verifier: codeVerifier, code_challenge_method: method });
  const { code } = await readInput('code');

  const tok = await step(
    'token',
    () => getPKCEOAuthToken({ baseURL: BASE_URL, clientId, redirectUrl, code, codeVerifier }, OPTS),
    tokenFields,
    true,
  );
  await me('me', tok.access_token);
  const fresh = await step(
    'refreshed',
    () => refreshOAuthToken({ baseURL: BASE_URL, clientId, refreshToken: tok.refresh_token }, OPTS),
    tokenFields,
    true,
  );
  await me('me2', fresh.access_token);
}

async function flowDevice(denied) {
  const clientId = env('BUCKLE_CLIENT_ID');
  const dc = await step(
    'device_code',
    () => getDeviceCode({ baseURL: BASE_URL, clientId, workspaceId: optEnv('BUCKLE_WORKSPACE_ID') }, OPTS),
    d => ({
      device_code: nullable(d.device_code),
      user_code: nullable(d.user_code),
      verification_uri: nullable(d.verification_uri),
      // cozepy adds this; @coze/api returns the body as is.
      verification_url: nullable(d.verification_url),
      expires_in: nullable(d.expires_in),
      interval: nullable(d.interval),
    }),
    true,
  );
  const deviceToken = poll =>
    getDeviceToken({ baseURL: BASE_URL, clientId, deviceCode: dc.device_code, poll }, OPTS);
  await step('pending', () => deviceToken(false), tokenFields, false);
  await step('slow', () => deviceToken(false), tokenFields, false);
  emit({ step: 'waiting' });
  await readInput('go');

  // poll=true: @coze/api sleeps POLL_INTERVAL (5000 ms) after
  // authorization_pending, and after slow_down adds 5000 ms to its delay (up
  // to MAX_POLL_INTERVAL, 30000) and sleeps that; it never reads the server's
  // "interval". Any other error is thrown.
  if (denied) {
    await step('denied', () => deviceToken(true), tokenFields, false);
    return;
  }
  const tok = await step('token', () => deviceToken(true), tokenFields, true);
  await me('me', tok.access_token);
  await step(
    'refreshed',
    () => refreshOAuthToken({ baseURL: BASE_URL, clientId, refreshToken: tok.refresh_token }, OPTS),
    tokenFields,
    true,
  );
}

async function flowJwt() {
  const tok = await step(
    'token',
    () =>
      getJWTToken(
        {
          baseURL: BASE_URL,
          appId: env('BUCKLE_CLIENT_ID'),
          aud: env('BUCKLE_AUD', new URL(BASE_URL).host),
          keyid: env('BUCKLE_KID'),
          privateKey: env('BUCKLE_PRIVATE_KEY'),
          sessionName: optEnv('BUCKLE_SESSION_NAME'),
          accountId: optEnv('BUCKLE_ACCOUNT_ID'),
          // durationSeconds left out: the SDK sends its default, 900.
        },
        OPTS,
      ),
    tokenFields,
    true,
  );
  await me('me', tok.access_token);
}

async function flowJwtBot() {
  const botId = env('BUCKLE_BOT_ID');
  const tok = await step(
    'token',
    () =>
      getJWTToken(
        {
          baseURL: BASE_URL,
          appId: env('BUCKLE_CLIENT_ID'),
          aud: env('BUCKLE_AUD', new URL(BASE_URL).host),
          keyid: env('BUCKLE_KID'),
          privateKey: env('BUCKLE_PRIVATE_KEY'),
          // The channel JWT example's scope: one bot, the points to use it.
          scope: {
            account_permission: { permission_list: ['Bot.read', 'Connector.botChat'] },
            attribute_constraint: { connector_bot_chat_attribute: { bot_id_list: [botId] } },
          },
        },
        OPTS,
      ),
    tokenFields,
    true,
  );
  const client = new CozeAPI({ token: tok.access_token, baseURL: BASE_URL, axiosOptions: OPTS });
  const botFields = b => ({ bot_id: nullable(b.bot_id), name: nullable(b.name) });
  await step('bot', () => client.bots.retrieveNew(botId), botFields, true);
  const other = env('BUCKLE_OTHER_BOT_ID');
  await step('other_bot', () => client.bots.retrieveNew(other), botFields, false);
}

async function flowMe() {
  await me('me', env('BUCKLE_TOKEN'));
}

const FLOWS = {
  web: flowWeb,
  pkce: flowPkce,
  device: () => flowDevice(false),
  device_denied: () => flowDevice(true),
  jwt: flowJwt,
  jwt_bot: flowJwtBot,
  me: flowMe,
};

async function main() {
  const flow = process.argv[2];
  if (process.argv.length !== 3 || !(flow in FLOWS)) {
    process.stderr.write(`usage: node oauth.mjs {${Object.keys(FLOWS).join('|')}}\n`);
    return 64;
  }
  env('BUCKLE_BASE_URL');
  try {
    await FLOWS[flow]();
  } catch (e) {
    if (e instanceof StepFailed) return EXIT_STEP_FAILED;
    throw e;
  }
  emit({ step: 'done' });
  return 0;
}

main().then(
  code => {
    if (rl) rl.close();
    process.exitCode = code;
  },
  err => {
    process.stderr.write(`${err && err.stack ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
