// `serve` keeps no history: its memory stays flat over 50 webhook-driven drains (new tasks
// labelled and committed each time, failing tasks retried at every drain).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalProject } from '../../dist/testing.js';
import { agent } from '../helpers/cli.mjs';
import { makeProject, singleAgentWorkflow, stageCounts } from '../helpers/projects.mjs';
import { metrics, notify, rssOf, startServe, total, waitFor } from '../helpers/serve.mjs';

const DRAINS = 50;
const PER_DRAIN = 150;
// V8 grows a heap lazily towards limits of gigabytes, so garbage alone would raise RSS for many
// more drains than a test runs; capped heaps (every thread: --max-old-space-size applies to
// workers too) make the collector reclaim it, so what stays is what is kept. The drains bring
// 7 500 tasks (each with a label row saved) and retry a growing set of failed tasks (up to 735 per
// drain). Measured here without leaks: the main heap's floor is flat (±1 MB) and RSS grows by
// ~10 MB from drains 11–20 to 41–50, as the worker heaps fill towards their cap. A service that
// kept each task's commit entry (tried: one line of code) raised the heap floor by 22 MB and RSS by
// 23 MB; keeping more, the capped heap would run out and crash the process. Hence the bounds:
const HEAP_FLOOR_BOUND = 6 * 1024 * 1024;
const RSS_BOUND = 20 * 1024 * 1024;
const NODE_OPTIONS = '--max-old-space-size=48 --max-semi-space-size=1';

test(`serve memory stays flat over ${DRAINS} webhook-driven drains`, async () => {
  const wf = singleAgentWorkflow();
  const { dir, info } = makeProject(0, { workflow: wf.workflow });
  const serve = await startServe(
    agent('serve-mixed.mjs'),
    ['--project', dir, '--port', '0', '--refresh-every', '3600', '--threads', '2', '--num-retries', '0', '--quiet'],
    { NODE_OPTIONS },
  );
  const rss = [];
  const heap = [];
  try {
    let added = 0;
    for (let d = 1; d <= DRAINS; d++) {
      const p = LocalProject.open(dir);
      try {
        p.addDataUnits(
          Array.from({ length: PER_DRAIN }, (_, i) => ({
            title: `d${d}-${String(i).padStart(4, '0')}.jpg`,
            dataType: 'IMAGE',
            item: { itemType: 'image', name: `d${d}-${i}.jpg`, relPath: null, mimeType: 'image/jpeg' },
          })),
        );
      } finally {
        p.close();
      }
      added += PER_DRAIN;
      const r = await notify(serve.url, { projectHash: info.projectHash, stageUuid: wf.ids.agent });
      assert.equal(r.status, 202);
      await waitFor(
        async () => {
          const m = await metrics(serve.url);
          return (
            total(m, 'task_agents_drains_total', { trigger: 'webhook' }) === d &&
            total(m, 'task_agents_draining') === 0 &&
            total(m, 'task_agents_pending_drains') === 0
          );
        },
        120_000,
        `drain ${d}`,
      );
      rss.push(rssOf(serve.pid));
      heap.push(total(await metrics(serve.url), 'nodejs_heap_used_bytes'));
    }
    const failing = added / 10;
    assert.deepEqual(stageCounts(dir), { 'Agent 1': failing, Annotate: 0, Complete: added - failing });
    assert.equal(total(await metrics(serve.url), 'task_agents_tasks_total', { outcome: 'moved' }), added - failing);
    const mb = (b) => (b / 1024 / 1024).toFixed(1);
    const rssEarly = Math.max(...rss.slice(10, 20));
    const rssLate = Math.max(...rss.slice(40, 50));
    const floorEarly = Math.min(...heap.slice(10, 20));
    const floorLate = Math.min(...heap.slice(40, 50));
    console.log(
      `serve RSS max: drains 11–20 ${mb(rssEarly)} MB, 41–50 ${mb(rssLate)} MB (+${mb(rssLate - rssEarly)}, bound ${mb(RSS_BOUND)}); main heap floor ${mb(floorEarly)} → ${mb(floorLate)} MB (bound +${mb(HEAP_FLOOR_BOUND)})`,
    );
    assert.ok(
      floorLate - floorEarly < HEAP_FLOOR_BOUND,
      `main heap floor grew ${mb(floorLate - floorEarly)} MB: ${heap.map(mb).join(' ')}`,
    );
    assert.ok(rssLate - rssEarly < RSS_BOUND, `RSS grew ${mb(rssLate - rssEarly)} MB over 30 drains: ${rss.map(mb).join(' ')}`);
  } finally {
    await serve.stop();
  }
});
