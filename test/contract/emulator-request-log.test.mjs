// The emulator's request log (GET /_emulator/requests): every request a run made, with its arrival
// and end on the server's clock, agreeing with the counters of /_emulator/stats; injected latency
// shows in every entry; rejected requests are logged as such. Swept over page sizes (what the
// server decides), which change how many page requests a run makes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { agent, cli, tmp } from '../helpers/cli.mjs';
import { makeProject, singleAgentWorkflow, stageCounts } from '../helpers/projects.mjs';
import { makeKey, startEmulator } from '../helpers/emulator.mjs';

const LATENCY = 30;
const SKEW = 50;

for (const pageSize of [7, 50]) {
  test(`request log, pages of ${pageSize}: one entry per request, latency in each, pages in sequence, counts = stats`, async () => {
    const tasks = 60;
    const p = makeProject(tasks, { workflow: singleAgentWorkflow().workflow });
    const key = makeKey();
    const emu = await startEmulator(p.dir, [
      '--authorized-keys',
      key.pubFile,
      '--page-size',
      String(pageSize),
      '--faults',
      `latency:${LATENCY}ms`,
    ]);
    try {
      const before = performance.timeOrigin + performance.now();
      const r = await cli(
        ['run', agent('routing.mjs'), '--project', p.info.projectHash, '--json', '--threads', '2', '--task-batch-size', '20'],
        { env: { ENCORD_SSH_KEY_FILE: key.keyFile, ENCORD_DOMAIN: emu.url, TA_LOG: join(tmp(), 'log') } },
      );
      assert.equal(r.code, 0, r.stderr);
      const unsigned = await fetch(`${emu.url}/v2/public/projects/${p.info.projectHash}`);
      assert.equal(unsigned.status, 401);
      const { requests, dropped } = await (await fetch(`${emu.url}/_emulator/requests`)).json();
      // Taken once the log is read: an entry is logged when its response closes on the emulator's
      // side, which can be just after the client has read that response.
      const after = performance.timeOrigin + performance.now();
      const stats = await emu.stats();
      assert.equal(dropped, 0);
      // One entry per request that reached the emulator (the stats and log requests themselves are neither).
      assert.equal(requests.length, stats.total);
      const counted = {};
      for (const e of requests) {
        // Two processes' epoch clocks (timeOrigin + now) can disagree by a few ms: bounds get SKEW.
        assert.ok(e.start >= before - SKEW && e.end <= after + SKEW && e.end >= e.start, JSON.stringify({ ...e, before, after }));
        assert.ok(e.end - e.start >= LATENCY - 1, `latency missing: ${JSON.stringify(e)}`);
        if (!e.endpoint.startsWith('rejected')) counted[e.endpoint] = (counted[e.endpoint] ?? 0) + 1;
      }
      assert.deepEqual(counted, stats.requests);
      assert.deepEqual(
        requests.filter((e) => e.endpoint.startsWith('rejected')).map((e) => [e.endpoint, e.status]),
        [['rejected 401', 401]],
      );
      // In the order they finished.
      for (let i = 1; i < requests.length; i++) assert.ok(requests[i].end >= requests[i - 1].end);
      // The runner pages a stage one request at a time: page requests never overlap.
      const pages = requests.filter((e) => e.endpoint === 'GET v2 …/stages/{s}/tasks').sort((a, b) => a.start - b.start);
      assert.ok(pages.length >= Math.ceil(tasks / pageSize), `${pages.length} page requests`);
      for (let i = 1; i < pages.length; i++) assert.ok(pages[i].start >= pages[i - 1].end - 0.5, `pages ${i - 1} and ${i} overlap`);
      assert.equal(
        Object.values(stageCounts(p.dir)).reduce((a, b) => a + b, 0),
        tasks,
      );
    } finally {
      await emu.stop();
    }
  });
}
