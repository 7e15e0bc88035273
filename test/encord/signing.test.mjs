import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseOpenSshPrivateKey,
  ed25519KeyFromSeed,
  signV2Request,
  signV1Body,
  contentDigest,
  pythonJsonDumps,
  v2Headers,
  v1Headers,
  verifyV1Request,
  verifyV2Request,
  parseAuthorizedKeys,
  formatOpenSshPublicKey,
  EMPTY_CONTENT_DIGEST,
  v2Created,
  sdkUserAgent,
  traceContextHeader,
  parseSignatureInput,
} from '../../dist/platform/encord/index.js';
import { REF_KEY_TEXT, REF_PUBKEY_HEX } from './fixtures.mjs';

const key = parseOpenSshPrivateKey(REF_KEY_TEXT);
const CREATED = 1700000000;
const P = '11111111-1111-1111-1111-111111111111';
const ACTION_BODY =
  '[{"taskUuid": "eeeeeeee-0000-0000-0000-000000000000", "action": "PATHWAY_ACTION", "pathwayUuid": "66666666-6666-6666-6666-666666666666"}]';
const V1_BODY =
  '{"query_type": "labelrowmetadata", "query_method": "GET", "values": {"uid": null, "payload": {"data_hashes": ["aaaaaaaa-0000-0000-0000-000000000000"]}}}';
const PARAMS = `("@method" "@request-target" "content-digest");created=${CREATED};keyid="${REF_PUBKEY_HEX}";alg="ed25519"`;

test('reference key: OpenSSH text and raw seed give the reference public key hex', () => {
  assert.equal(key.publicKeyHex, REF_PUBKEY_HEX);
  const seed = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
  assert.equal(ed25519KeyFromSeed(seed).publicKeyHex, REF_PUBKEY_HEX);
});

test('v2 vector 1: GET project', () => {
  const h = signV2Request(key, { method: 'GET', requestTarget: `/v2/public/projects/${P}`, created: CREATED });
  assert.equal(h['Content-Digest'], 'sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:');
  assert.equal(h['Content-Digest'], EMPTY_CONTENT_DIGEST);
  assert.equal(h['Signature-Input'], `encord-sig=${PARAMS}`);
  assert.equal(h.Signature, 'encord-sig=:PZGLzVsa48im124b8v5XqCwn/irFrJ4Sk4Gkk5FvS70IMuqZj3adaMDLMxekFkvHRLdPxASDqYBg/2kaEuqJAg==:');
});

test('v2 vector 2: GET storage item with query', () => {
  const h = signV2Request(key, {
    method: 'GET',
    requestTarget: '/v2/public/storage/items/cccccccc-0000-0000-0000-000000000000?signUrl=True',
    created: CREATED,
  });
  assert.equal(h.Signature, 'encord-sig=:pf1KgYw0YrbIu3XE6C9iHqBx5nuUV9BSd9fhgkdt/Pbli61z8uZwAIhvHZkRH3XpaHaRpMcsIynADI9UQlLYDQ==:');
});

test('v2 vector 3: POST actions, body built like Python json.dumps', () => {
  const body = pythonJsonDumps([
    { taskUuid: 'eeeeeeee-0000-0000-0000-000000000000', action: 'PATHWAY_ACTION', pathwayUuid: '66666666-6666-6666-6666-666666666666' },
  ]);
  assert.equal(body, ACTION_BODY);
  const h = signV2Request(key, {
    method: 'post',
    requestTarget: `/v2/public/projects/${P}/workflow/stages/33333333-3333-3333-3333-333333333333/actions`,
    body,
    created: CREATED,
  });
  assert.equal(h['Content-Digest'], 'sha-256=:6AaQD5IjoaruU1U957QS8zzJmHgIX0BBe71L1spatYc=:');
  assert.equal(h.Signature, 'encord-sig=:Y6ve0dwpaA+OEc2AodR3aw8tkJlp7nvtBT/W0z1sI1/MsLMVEH+J6w3Lnl54KnW+TuJri9RmoBNrmVQwa8ogCw==:');
  // Bytes and string bodies sign identically.
  assert.deepEqual(
    signV2Request(key, { method: 'POST', requestTarget: '/x', body: Buffer.from(body), created: CREATED }),
    signV2Request(key, { method: 'POST', requestTarget: '/x', body, created: CREATED }),
  );
});

test('v1 vector: labelrowmetadata envelope', () => {
  const body = pythonJsonDumps({
    query_type: 'labelrowmetadata',
    query_method: 'GET',
    values: { uid: null, payload: { data_hashes: ['aaaaaaaa-0000-0000-0000-000000000000'] } },
  });
  assert.equal(body, V1_BODY);
  assert.equal(
    contentDigest(body),
    `sha-256=:${Buffer.from('8c256b137c5ead2b836bfb0f11c1b1ed6f327d39862a608ef3c4925f2453a4f2', 'hex').toString('base64')}:`,
  );
  assert.equal(
    signV1Body(key, body),
    `${REF_PUBKEY_HEX}:d3bcbee4667882f8c87d81e685dde62299500864d5a9ecd667b8fdfcf8e9f13c4c28307efa6a833197f689435a9239b803ad0d7be9c17c70ce37052404d88905`,
  );
});

test('pythonJsonDumps: separators, ASCII escaping, exponents', () => {
  assert.equal(
    pythonJsonDumps({ a: [1, 2.5, null, true], b: 'é"\\\n\u007f😀' }),
    '{"a": [1, 2.5, null, true], "b": "\\u00e9\\"\\\\\\n\\u007f\\ud83d\\ude00"}',
  );
  assert.equal(pythonJsonDumps({ x: 1e-7, y: undefined, z: [], w: {} }), '{"x": 1e-07, "z": [], "w": {}}');
});

test('SDK headers: v2 set, v1 set, created back-dated 30 s, trace and user agent shapes', () => {
  const h2 = v2Headers(key, { method: 'GET', requestTarget: '/v2/public/x' });
  assert.deepEqual(
    Object.keys(h2).sort(),
    ['Accept-Encoding', 'Content-Digest', 'Signature', 'Signature-Input', 'User-Agent', 'X-Cloud-Trace-Context'].sort(),
  );
  const created = parseSignatureInput(h2['Signature-Input']).created;
  assert.ok(Math.abs(created - (Math.floor(Date.now() / 1000) - 30)) <= 1);
  assert.equal(v2Created(1700000030_500), 1700000000);
  const h2b = v2Headers(key, { method: 'POST', requestTarget: '/x', body: '{}' });
  assert.equal(h2b['Content-Type'], 'application/json');
  const h1 = v1Headers(key, V1_BODY, { type: 'project', id: P });
  assert.equal(h1.ResourceType, 'project');
  assert.equal(h1.ResourceID, P);
  assert.equal(h1.Accept, 'application/json');
  assert.equal(h1['Accept-Encoding'], 'gzip');
  assert.match(h1.Authorization, /^[0-9a-f]{64}:[0-9a-f]{128}$/);
  assert.match(traceContextHeader(), /^[0-9a-f]{32}\/1;o=1$/);
  assert.match(traceContextHeader('abc'), /^abc\/\d+;o=1$/);
  assert.match(sdkUserAgent('encord-agents/0.2.9'), /^encord-sdk-python\/0\.1\.190 node\/\S+ task-agents\/\S+ encord-agents\/0\.2\.9$/);
});

// ---- verification ----

const other = ed25519KeyFromSeed(Buffer.alloc(32, 7));
const keys = parseAuthorizedKeys(`# comment\n${formatOpenSshPublicKey(key, 'me@host')}\nssh-rsa AAAAB3NzaC1yc2E= rsa\n`);
const lower = (h) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));

test('authorized keys parse ed25519 lines only', () => {
  assert.equal(keys.size, 1);
  assert.equal(keys.get(REF_PUBKEY_HEX).comment, 'me@host');
});

test('verifyV2Request accepts the reference vectors and fresh requests', () => {
  const target = `/v2/public/projects/${P}/workflow/stages/33333333-3333-3333-3333-333333333333/actions`;
  const headers = lower(signV2Request(key, { method: 'POST', requestTarget: target, body: ACTION_BODY, created: CREATED }));
  assert.deepEqual(
    verifyV2Request({ method: 'POST', requestTarget: target, headers, body: ACTION_BODY, keys, nowMs: (CREATED + 30) * 1000 }),
    { ok: true, publicKeyHex: REF_PUBKEY_HEX },
  );
  const h2 = v2Headers(key, { method: 'GET', requestTarget: '/v2/public/x?a=True' });
  assert.equal(verifyV2Request({ method: 'GET', requestTarget: '/v2/public/x?a=True', headers: h2, body: Buffer.alloc(0), keys }).ok, true);
});

test('verifyV2Request rejects unsigned, tampered, wrong-key, stale and future requests', () => {
  const target = '/v2/public/projects/p/priorities';
  const body = '{"priorities": [["a", 0.5]]}';
  const now = Date.now();
  const good = lower(v2Headers(key, { method: 'POST', requestTarget: target, body }));
  const check = (over) => verifyV2Request({ method: 'POST', requestTarget: target, headers: good, body, keys, nowMs: now, ...over });
  assert.equal(check({}).ok, true);
  const unsigned = check({ headers: { 'content-type': 'application/json' } });
  assert.deepEqual([unsigned.ok, unsigned.status, unsigned.v1Code], [false, 401, 'AUTHENTICATION_ERROR']);
  assert.equal(check({ body: '{"priorities": [["a", 0.6]]}' }).status, 401); // body tampered
  assert.match(check({ body: '{"priorities": [["a", 0.6]]}' }).reason, /Content-Digest/);
  const digestToo = { ...good, 'content-digest': contentDigest('{"x": 1}') };
  assert.match(check({ headers: digestToo, body: '{"x": 1}' }).reason, /does not verify/); // digest recomputed by attacker
  assert.equal(check({ requestTarget: `${target}?x=1` }).status, 401); // target tampered
  assert.equal(check({ method: 'PUT' }).status, 401); // method tampered
  const wrongKey = lower(v2Headers(other, { method: 'POST', requestTarget: target, body }));
  const w = check({ headers: wrongKey });
  assert.deepEqual([w.ok, w.status, w.v1Code], [false, 403, 'AUTHORISATION_ERROR']);
  // A signature claiming our key id but made with another key.
  const forged = { ...good, signature: wrongKey.signature };
  assert.equal(check({ headers: forged }).status, 401);
  const stale = lower(signV2Request(key, { method: 'POST', requestTarget: target, body, created: Math.floor(now / 1000) - 301 }));
  assert.match(check({ headers: { ...stale, 'user-agent': 'x' } }).reason, /stale/);
  assert.equal(check({ headers: stale }).status, 401);
  const okOld = lower(signV2Request(key, { method: 'POST', requestTarget: target, body, created: Math.floor(now / 1000) - 200 }));
  assert.equal(check({ headers: okOld }).ok, true);
  const future = lower(signV2Request(key, { method: 'POST', requestTarget: target, body, created: Math.floor(now / 1000) + 120 }));
  assert.match(check({ headers: future }).reason, /future/);
  assert.equal(check({ headers: { ...good, 'signature-input': good['signature-input'].replace('ed25519', 'rsa') } }).status, 401);
  assert.equal(check({ headers: { ...good, signature: 'garbage' } }).status, 401);
});

test('verifyV1Request accepts good and rejects unsigned, tampered, wrong-key', () => {
  const h = v1Headers(key, V1_BODY, { type: 'project', id: P });
  assert.deepEqual(verifyV1Request({ headers: h, body: V1_BODY, keys }), { ok: true, publicKeyHex: REF_PUBKEY_HEX });
  assert.deepEqual(verifyV1Request({ headers: {}, body: V1_BODY, keys }).status, 401);
  assert.equal(verifyV1Request({ headers: h, body: V1_BODY.replace('GET', 'PUT'), keys }).status, 401);
  assert.equal(verifyV1Request({ headers: { authorization: 'Bearer abc' }, body: V1_BODY, keys }).status, 401);
  const w = verifyV1Request({ headers: v1Headers(other, V1_BODY, { type: '', id: '' }), body: V1_BODY, keys });
  assert.deepEqual([w.status, w.v1Code], [403, 'AUTHORISATION_ERROR']);
  // A lookup function works as well as a map.
  assert.equal(verifyV1Request({ headers: h, body: V1_BODY, keys: (hex) => keys.get(hex) }).ok, true);
});
