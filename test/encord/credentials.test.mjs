import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  parseOpenSshPrivateKey,
  readEncordCredentials,
  resolveCredentials,
  loadEncordKey,
  parseOpenSshPublicKeyLine,
  createEncordPlatform,
  DEFAULT_ENCORD_DOMAIN,
} from '../../dist/platform/encord/index.js';
import { REF_KEY_TEXT, REF_PUBKEY_HEX } from './fixtures.mjs';

let dir;
const keys = {};
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ta-keys-'));
  const gen = (name, args) => {
    execFileSync('ssh-keygen', [...args, '-q', '-C', 'test@ta', '-f', join(dir, name)]);
    keys[name] = {
      text: readFileSync(join(dir, name), 'utf8'),
      pub: readFileSync(join(dir, `${name}.pub`), 'utf8'),
      path: join(dir, name),
    };
  };
  gen('ed', ['-t', 'ed25519', '-N', '']);
  gen('rsa', ['-t', 'rsa', '-b', '2048', '-N', '']);
  gen('enc', ['-t', 'ed25519', '-N', 'secret-pass']);
  gen('ecdsa', ['-t', 'ecdsa', '-N', '']);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Asserts a coded error whose message and hint do not contain any line of the key body. */
function assertCoded(fn, code, secretText) {
  let err;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err, 'expected a throw');
  assert.equal(err.code, code, err.message);
  assert.ok(err.hint && err.hint.length > 0);
  if (secretText) {
    const printed = `${err.message}\n${err.hint}\n${JSON.stringify(err.details ?? {})}\n${err.stack}`;
    for (const line of secretText.split('\n').filter((l) => l.length > 16 && !l.startsWith('-----'))) {
      assert.ok(!printed.includes(line), 'key text leaked into the error');
    }
  }
  return err;
}

test('ssh-keygen ed25519 key parses; its id is the raw public key of the .pub file', () => {
  const k = parseOpenSshPrivateKey(keys.ed.text);
  const pub = parseOpenSshPublicKeyLine(keys.ed.pub);
  assert.equal(k.publicKeyHex, pub.publicKeyHex);
  assert.match(k.publicKeyHex, /^[0-9a-f]{64}$/);
  assert.equal(pub.comment, 'test@ta');
  assert.equal(parseOpenSshPrivateKey(REF_KEY_TEXT.replace(/\n/g, '\r\n')).publicKeyHex, REF_PUBKEY_HEX);
});

test('RSA, ECDSA, encrypted, garbage, truncated, PEM keys are rejected with TA_AUTH_KEY_INVALID and no key text', () => {
  assert.match(assertCoded(() => parseOpenSshPrivateKey(keys.rsa.text), 'TA_AUTH_KEY_INVALID', keys.rsa.text).message, /not an Ed25519/);
  assertCoded(() => parseOpenSshPrivateKey(keys.ecdsa.text), 'TA_AUTH_KEY_INVALID', keys.ecdsa.text);
  const enc = assertCoded(() => parseOpenSshPrivateKey(keys.enc.text), 'TA_AUTH_KEY_INVALID', keys.enc.text);
  assert.match(enc.message, /encrypted/);
  assert.match(enc.hint, /ssh-keygen -p/);
  assertCoded(() => parseOpenSshPrivateKey('hello world'), 'TA_AUTH_KEY_INVALID');
  const lines = keys.ed.text.split('\n');
  const truncated = [...lines.slice(0, 3), lines.at(-2)].join('\n');
  assertCoded(() => parseOpenSshPrivateKey(truncated), 'TA_AUTH_KEY_INVALID', keys.ed.text);
  assertCoded(
    () => parseOpenSshPrivateKey(keys.ed.text.replace('-----END OPENSSH PRIVATE KEY-----', '')),
    'TA_AUTH_KEY_INVALID',
    keys.ed.text,
  );
  assert.match(
    assertCoded(() => parseOpenSshPrivateKey('-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----'), 'TA_AUTH_KEY_INVALID')
      .message,
    /RSA/,
  );
  // Flip a byte inside the private section: corrupt, still no key text.
  const body = keys.ed.text.split('\n').slice(1, -2).join('');
  const buf = Buffer.from(body, 'base64');
  buf[buf.length - 40] ^= 0xff;
  const corrupt = `-----BEGIN OPENSSH PRIVATE KEY-----\n${buf.toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`;
  assertCoded(() => parseOpenSshPrivateKey(corrupt), 'TA_AUTH_KEY_INVALID', corrupt);
});

test('ENCORD_SSH_KEY holding a path → TA_AUTH_KEY_IS_PATH suggesting ENCORD_SSH_KEY_FILE', () => {
  const e = assertCoded(() => readEncordCredentials({ ENCORD_SSH_KEY: keys.ed.path }), 'TA_AUTH_KEY_IS_PATH');
  assert.match(e.hint, /ENCORD_SSH_KEY_FILE/);
  assert.ok(e.message.includes(keys.ed.path));
  assertCoded(() => readEncordCredentials({ ENCORD_SSH_KEY: '~/.ssh/id_ed25519_missing' }), 'TA_AUTH_KEY_IS_PATH');
  assertCoded(() => readEncordCredentials({ ENCORD_SSH_KEY: './keys/encord.pem' }), 'TA_AUTH_KEY_IS_PATH');
});

test('missing, empty and non-file credentials → TA_AUTH_KEY_MISSING', () => {
  assertCoded(() => readEncordCredentials({}), 'TA_AUTH_KEY_MISSING');
  assertCoded(() => readEncordCredentials({ ENCORD_SSH_KEY: '', ENCORD_SSH_KEY_FILE: '' }), 'TA_AUTH_KEY_MISSING');
  assertCoded(() => readEncordCredentials({ ENCORD_SSH_KEY_FILE: join(dir, 'nope') }), 'TA_AUTH_KEY_MISSING');
  assertCoded(() => readEncordCredentials({ ENCORD_SSH_KEY_FILE: dir }), 'TA_AUTH_KEY_MISSING');
});

test('ENCORD_SSH_KEY_FILE is read, ~ expanded; domain defaults to the SDK one', () => {
  const c = readEncordCredentials({ ENCORD_SSH_KEY_FILE: keys.ed.path });
  assert.equal(c.keyText, keys.ed.text);
  assert.equal(c.keySource, 'ENCORD_SSH_KEY_FILE');
  assert.equal(c.domain, DEFAULT_ENCORD_DOMAIN);
  const home = process.env.HOME;
  process.env.HOME = dir;
  try {
    assert.equal(readEncordCredentials({ ENCORD_SSH_KEY_FILE: '~/ed' }).keyText, keys.ed.text);
  } finally {
    process.env.HOME = home;
  }
  assert.equal(
    readEncordCredentials({ ENCORD_SSH_KEY_FILE: keys.ed.path, ENCORD_DOMAIN: 'https://api.us.encord.com/' }).domain,
    'https://api.us.encord.com',
  );
});

test('both set: warning, and the content wins', () => {
  const warnings = [];
  const c = readEncordCredentials({ ENCORD_SSH_KEY: REF_KEY_TEXT, ENCORD_SSH_KEY_FILE: keys.ed.path }, { warn: (m) => warnings.push(m) });
  assert.equal(c.keySource, 'ENCORD_SSH_KEY');
  assert.equal(c.keyText, REF_KEY_TEXT);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /ENCORD_SSH_KEY takes precedence/);
  assert.ok(!warnings[0].includes('OPENSSH'));
});

test('loadEncordKey parses; a bad key from the env is TA_AUTH_KEY_INVALID naming the variable, not the text', () => {
  assert.equal(loadEncordKey({ ENCORD_SSH_KEY: REF_KEY_TEXT }).key.publicKeyHex, REF_PUBKEY_HEX);
  const e = assertCoded(() => loadEncordKey({ ENCORD_SSH_KEY: keys.rsa.text }), 'TA_AUTH_KEY_INVALID', keys.rsa.text);
  assert.match(e.message, /ENCORD_SSH_KEY/);
  const f = assertCoded(() => loadEncordKey({ ENCORD_SSH_KEY_FILE: keys.enc.path }), 'TA_AUTH_KEY_INVALID', keys.enc.text);
  assert.ok(f.message.includes(keys.enc.path));
});

test('createEncordPlatform reads credentials from env or keyText', async () => {
  const p = createEncordPlatform({ projectHash: 'p1', env: { ENCORD_SSH_KEY_FILE: keys.ed.path, ENCORD_DOMAIN: 'http://127.0.0.1:9/' } });
  assert.deepEqual(
    { ...p.descriptor, keyText: p.descriptor.keyText === keys.ed.text },
    { kind: 'encord', projectHash: 'p1', domain: 'http://127.0.0.1:9', keyText: true },
  );
  await p.close();
  const q = createEncordPlatform({ projectHash: 'p2', keyText: REF_KEY_TEXT, env: {} });
  assert.equal(q.descriptor.domain, DEFAULT_ENCORD_DOMAIN);
  await q.close();
  assertCoded(() => createEncordPlatform({ projectHash: 'p3', keyText: keys.rsa.text, env: {} }), 'TA_AUTH_KEY_INVALID', keys.rsa.text);
  assertCoded(() => createEncordPlatform({ projectHash: 'p3', env: {} }), 'TA_AUTH_KEY_MISSING');
});

test('explicit credentials replace the environment: a key, a key file (~ expanded) or a domain alone', () => {
  const env = { ENCORD_SSH_KEY: REF_KEY_TEXT, ENCORD_DOMAIN: 'https://env.example' };
  const fromFile = resolveCredentials({ sshKeyFile: keys.ed.path }, env);
  assert.equal(fromFile.keyText, keys.ed.text);
  assert.equal(fromFile.keySource, 'credentials.sshKeyFile');
  assert.equal(fromFile.domain, 'https://env.example');
  const fromText = resolveCredentials({ sshKey: keys.ed.text, domain: 'http://127.0.0.1:5/' }, env);
  assert.equal(fromText.keySource, 'credentials.sshKey');
  assert.equal(fromText.domain, 'http://127.0.0.1:5');
  const domainOnly = resolveCredentials({ domain: 'https://api.us.encord.com' }, env);
  assert.equal(domainOnly.keySource, 'ENCORD_SSH_KEY');
  assert.equal(domainOnly.domain, 'https://api.us.encord.com');
  assert.equal(resolveCredentials(undefined, env).domain, 'https://env.example');
  const home = process.env.HOME;
  process.env.HOME = dir;
  try {
    assert.equal(resolveCredentials({ sshKeyFile: '~/ed' }, {}).keyText, keys.ed.text);
  } finally {
    process.env.HOME = home;
  }
});

test('bad explicit credentials: coded errors naming the option, never the key', () => {
  assertCoded(() => resolveCredentials({ sshKey: keys.ed.text, sshKeyFile: keys.ed.path }, {}), 'TA_CFG_INVALID', keys.ed.text);
  assertCoded(() => resolveCredentials({ sshKey: keys.ed.path }, {}), 'TA_AUTH_KEY_IS_PATH');
  assertCoded(() => resolveCredentials({ sshKeyFile: join(dir, 'missing') }, {}), 'TA_AUTH_KEY_MISSING');
  assertCoded(() => resolveCredentials({ sshKeyFile: dir }, {}), 'TA_AUTH_KEY_MISSING');
  const e = assertCoded(() => loadEncordKey({}, {}, { sshKey: keys.rsa.text }), 'TA_AUTH_KEY_INVALID', keys.rsa.text);
  assert.match(e.message, /credentials\.sshKey/);
  const f = assertCoded(
    () => loadEncordKey({ ENCORD_SSH_KEY: REF_KEY_TEXT }, {}, { sshKeyFile: keys.enc.path }),
    'TA_AUTH_KEY_INVALID',
    keys.enc.text,
  );
  assert.ok(f.message.includes(keys.enc.path));
});
