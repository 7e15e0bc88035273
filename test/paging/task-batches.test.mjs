// TaskBatches (dist/main/task-batches.js) over a real local project's page stream: every page
// size × batch size × cap, the batches are the stage's tasks in order, none dropped or repeated,
// each batch full but the last, the stream stopped at the cap, prefetch bounded and ahead of the
// consumer; a page request that fails surfaces only after the tasks listed before it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { TaskBatches } from '../../dist/main/task-batches.js';
import { LocalPlatform } from '../../dist/testing.js';
import { makeProject } from '../helpers/projects.mjs';

const PAGE_SIZES = [1, 7, 100, 1000, 5000];
const BATCH_SIZES = [1, 30, 300, 1000];
const CAPS = [undefined, 1, 29, 301];

const projects = new Map();
function projectOf(n) {
  if (!projects.has(n)) {
    const p = makeProject(n);
    projects.set(n, { dir: p.dir, stage: p.info.workflow.stages[0].uuid });
  }
  return projects.get(n);
}

async function drain(batches) {
  const out = [];
  for (let b = await batches.next(); b; b = await batches.next()) out.push(b);
  return out;
}

for (const n of [0, 1, 1234]) {
  test(`${n} tasks: every page size × batch size × cap re-batches without loss`, async () => {
    const { dir, stage } = projectOf(n);
    const reference = new LocalPlatform(dir, { pageSize: 10_000 });
    const all = [];
    for await (const page of reference.taskPages(stage)) all.push(...page.map((t) => t.uuid));
    await reference.close();
    assert.equal(all.length, n);
    for (const pageSize of PAGE_SIZES) {
      const platform = new LocalPlatform(dir, { pageSize });
      try {
        for (const size of BATCH_SIZES) {
          for (const cap of CAPS) {
            const where = `page ${pageSize}, batch ${size}, cap ${cap}`;
            const batches = new TaskBatches(platform.taskPages(stage), size, cap);
            const got = await drain(batches);
            const want = Math.min(n, cap ?? Infinity);
            assert.deepEqual(
              got.flat().map((t) => t.uuid),
              all.slice(0, want),
              where,
            );
            got.slice(0, -1).forEach((b) => assert.equal(b.length, size, where));
            assert.ok(
              got.every((b) => b.length >= 1 && b.length <= size),
              where,
            );
            assert.equal(batches.taken, want, where);
            assert.equal(batches.listed - batches.taken, batches.buffered, where);
            if (cap !== undefined && n >= cap) {
              assert.equal(batches.capped, true, where);
              assert.ok(batches.listed < cap + pageSize, `${where}: listed ${batches.listed} past the cap`);
            } else {
              assert.equal(batches.listed, n, where);
            }
            await batches.close();
            assert.equal(await batches.next(), null, where);
          }
        }
      } finally {
        await platform.close();
      }
    }
  });
}

test('the next batch is prefetched while the consumer works, and never more than two batches plus a page ahead', async () => {
  const { dir, stage } = projectOf(1234);
  for (const [pageSize, size] of [
    [7, 30],
    [1, 100],
    [100, 30],
    [1000, 300],
  ]) {
    const platform = new LocalPlatform(dir, { pageSize });
    try {
      const batches = new TaskBatches(platform.taskPages(stage), size);
      await batches.next();
      // Nothing is asked of the batches here: the buffer fills by itself.
      for (let i = 0; i < 500 && batches.buffered < 2 * size; i++) await tick();
      assert.ok(batches.buffered >= 2 * size, `page ${pageSize}, batch ${size}: ${batches.buffered} buffered`);
      assert.ok(batches.buffered < 2 * size + pageSize, `page ${pageSize}, batch ${size}: ${batches.buffered} buffered`);
      await batches.close();
    } finally {
      await platform.close();
    }
  }
});

test('a page request that fails: the tasks listed before it are handed out first, then the error; nothing unhandled', async () => {
  const { dir, stage } = projectOf(1234);
  const unhandled = [];
  const onUnhandled = (e) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    for (const failAt of [0, 1, 3, 10]) {
      for (const [pageSize, size] of [
        [7, 30],
        [100, 30],
        [30, 7],
        [50, 50],
      ]) {
        const platform = new LocalPlatform(dir, { pageSize });
        const boom = new Error(`page ${failAt} failed`);
        // The fault a real project cannot produce on demand: the page stream throws at page `failAt`.
        async function* failing() {
          let i = 0;
          for await (const page of platform.taskPages(stage)) {
            if (i++ === failAt) throw boom;
            yield page;
          }
        }
        try {
          const batches = new TaskBatches(failing(), size);
          const got = [];
          let thrown;
          try {
            for (let b = await batches.next(); b; b = await batches.next()) got.push(...b);
          } catch (e) {
            thrown = e;
          }
          assert.equal(thrown, boom, `fail at ${failAt}, page ${pageSize}, batch ${size}`);
          assert.equal(got.length, failAt * pageSize, `fail at ${failAt}, page ${pageSize}, batch ${size}`);
          await batches.close();
        } finally {
          await platform.close();
        }
      }
    }
    await tick();
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
