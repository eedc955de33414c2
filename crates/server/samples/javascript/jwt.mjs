// Buckle sample: a service app's JWT flow (AppAuth), with @coze/api.
//
// The program signs a JWT with private_key.pem (beside this file; Buckle never
// had it) and the public key's fingerprint as its kid, and trades it for a
// service token, shown with its expiry. A JWT token cannot be refreshed: the
// button gets a new one.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { getJWTToken } from '@coze/api';
import { HERE, button, describe, errorBody, escapeHtml, loadConfig, page, reply, serve, tokenFacts } from './sample_page.mjs';

const TITLE = 'Buckle service app sample (JWT)';
const config = loadConfig();
const keyPath = path.join(HERE, config.private_key_file || 'private_key.pem');
let privateKey;
try {
  privateKey = readFileSync(keyPath, 'utf8');
} catch (e) {
  console.error(`put the app's private key in ${keyPath} first (${e.code})`);
  process.exit(1);
}
const baseURL = config.coze_api_base;

function home() {
  return reply({ body: page(TITLE, button('/token', 'Get a token', 'get-token')) });
}

async function token() {
  let got;
  try {
    got = await getJWTToken({
      baseURL,
      appId: config.client_id,
      // The JWT's audience is Buckle's API host as this program reaches it.
      aud: new URL(baseURL).host,
      keyid: config.public_key_id,
      privateKey,
    });
  } catch (e) {
    return reply({ body: page(TITLE, errorBody(describe(e))) });
  }
  const body =
    '<p id="result"><strong>Token issued</strong></p>' +
    tokenFacts(got) +
    button('/token', 'Get a new token', 'new-token') +
    `<p>Signed with the key ${escapeHtml(config.public_key_id)}.</p>`;
  return reply({ body: page(TITLE, body) });
}

serve({ 'GET /': home, 'POST /token': token }, TITLE);
