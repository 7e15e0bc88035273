import { randomUUID } from 'node:crypto';
import { Bench } from 'tinybench';
import { packTasks, unpackTasks } from '/work/wt/i12/dist/shared/chunk-wire.js';
const now = new Date().toISOString();
const payloads = Array.from({ length: 300 }, (_, i) => ({ task: { uuid: randomUUID(), createdAt: now, updatedAt: now, status: 'NEW', dataHash: randomUUID(), dataTitle: `img-${String(i).padStart(6, '0')}.jpg`, labelBranchName: 'main', assignee: null, lastActionedBy: null } }));
const F = ['uuid', 'createdAt', 'updatedAt', 'status', 'dataHash', 'dataTitle', 'labelBranchName', 'assignee', 'lastActionedBy'];
function pack2(ps) {
  const lens = new Int32Array(ps.length * 9); const parts = new Array(ps.length * 9); let j = 0;
  for (const p of ps) { const t = p.task; for (const f of F) { const v = t[f]; if (v === null || v === undefined) { lens[j] = v === null ? -1 : -2; parts[j++] = ''; } else if (typeof v === 'string') { lens[j] = v.length; parts[j++] = v; } else { lens[j] = -3; parts[j++] = ''; } } }
  return { text: parts.join(''), lens };
}
function unpack2({ text, lens }) {
  const out = new Array(lens.length / 9); let pos = 0;
  for (let i = 0, j = 0; i < out.length; i++) { const v = new Array(9); for (let k = 0; k < 9; k++, j++) { const n = lens[j]; if (n >= 0) { v[k] = text.slice(pos, pos + n); pos += n; } else v[k] = n === -1 ? null : undefined; }
    out[i] = { task: { uuid: v[0], createdAt: v[1], updatedAt: v[2], status: v[3], dataHash: v[4], dataTitle: v[5], labelBranchName: v[6], assignee: v[7], lastActionedBy: v[8] } }; }
  return out;
}
const b = new Bench({ time: 300 });
b.add('pack1 main', () => structuredClone(packTasks(payloads)));
b.add('pack2 main', () => structuredClone(pack2(payloads)));
const c1 = structuredClone(packTasks(payloads)), c2 = structuredClone(pack2(payloads));
b.add('unpack1 worker', () => unpackTasks(c1));
b.add('unpack2 worker', () => unpack2(c2));
await b.run();
for (const t of b.tasks) console.log(t.name, (t.result.latency.p50 * 1e6 / 300).toFixed(0), 'ns/task');
console.log(JSON.stringify(unpack2(c2)[5]) === JSON.stringify(payloads[5]));
