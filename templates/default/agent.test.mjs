// Runs the agents once on a fresh copy of the demo project (a dry run: nothing is written) and
// checks what they decided. `npm test` runs this file with node's test runner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAgentOnce } from 'task-agents/testing';

const agent = fileURLToPath(new URL('./agent.ts', import.meta.url));
const cli = fileURLToPath(new URL('./node_modules/task-agents/dist/main.js', import.meta.url));

test('pre-label classifies every item and sets a priority', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const project = join(dir, 'project');
  execFileSync(process.execPath, [cli, 'project', 'init', project, '--demo'], { stdio: 'ignore' });

  const { decisions, failures } = await runAgentOnce(agent, { project });
  assert.deepEqual(failures, []);
  const preLabel = decisions.filter((d) => d.stage === 'pre-label');
  assert.ok(preLabel.length > 0);
  for (const d of preLabel) {
    assert.equal(d.pathway, 'labelled');
    assert.ok(d.priority >= 0 && d.priority <= 1, `priority ${d.priority}`);
    const answers = Object.values(d.labelRow.classification_answers);
    assert.equal(answers.length, 1, 'one brightness classification');
  }
});
