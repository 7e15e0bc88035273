// Shared fixtures for the Encord tests: the reference key and a scripted HTTP server.
import { createServer } from 'node:http';

/** The protocol reference's test key (seed 00..1f). */
export const REF_KEY_TEXT = `-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZWQyNTUx
OQAAACADoQe/884Qvh1w3RjnS8CZZ+TWMJulDV8d3IZkElUxuAAAAIjRDHxp0Qx8aQAAAAtzc2gt
ZWQyNTUxOQAAACADoQe/884Qvh1w3RjnS8CZZ+TWMJulDV8d3IZkElUxuAAAAEAAAQIDBAUGBwgJ
CgsMDQ4PEBESExQVFhcYGRobHB0eHwOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4AAAA
AAECAwQF
-----END OPENSSH PRIVATE KEY-----
`;
export const REF_PUBKEY_HEX = '03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8';

/**
 * A node:http server on 127.0.0.1:0. `handler(req, body, n)` gets the request, its raw body and a
 * 1-based request counter, and writes the response. Every request is recorded.
 */
export async function startServer(handler) {
  const requests = [];
  const server = createServer((req, res) => {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      requests.push({ method: req.method, url: req.url, headers: req.headers, body, at: Date.now() });
      Promise.resolve(handler(req, res, body, requests.length)).catch((e) => {
        res.statusCode = 599;
        res.end(String(e));
      });
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export function json(res, status, value, headers = {}) {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Fast retries for tests: backoff base 20 ms, Retry-After seconds as 50 ms. */
export const FAST_RETRY = { backoffBaseMs: 20, retryAfterUnitMs: 50 };
