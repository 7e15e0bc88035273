// The run options' docs reach users: in the packed package, TypeScript's checker (what an editor
// asks) finds a doc comment on every field of RunOptions, with its @default where it has one. The
// public type is written out in src/shared/run-options.ts because zod's inferred types drop JSDoc.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installedPackage } from './packed.mjs';

let pkg;
before(async () => {
  pkg = await installedPackage();
});

test('every RunOptions field has its doc in the published types (taskBatchSize: the batch and @default 300)', () => {
  const ts = createRequire(join(pkg.prefix, 'node_modules', 'x.js'))('typescript');
  const dir = pkg.work('option-docs');
  const file = join(dir, 'options.ts');
  writeFileSync(file, `import type { RunOptions } from 'task-agents';\nexport const o: RunOptions = {};\n`);
  const program = ts.createProgram([file], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const decl = source.statements.find(ts.isVariableStatement).declarationList.declarations[0];
  const type = checker.getTypeAtLocation(decl.type);
  const doc = (name) => {
    const prop = type.getProperty(name);
    assert.ok(prop, `RunOptions has ${name}`);
    const text = ts.displayPartsToString(prop.getDocumentationComment(checker));
    const tags = prop.getJsDocTags(checker).map((t) => `@${t.name} ${ts.displayPartsToString(t.text)}`);
    return { text, tags };
  };
  // Which fields there are is the compiler's check (RunOptionsMatchSchema); here, that each has a doc.
  const fields = type.getProperties().map((p) => p.name);
  assert.ok(fields.includes('taskBatchSize') && fields.includes('credentials') && fields.length >= 20, fields.join());
  for (const name of fields) assert.ok(doc(name).text.length > 10, `${name} has no doc in the published .d.ts`);
  const batch = doc('taskBatchSize');
  assert.match(batch.text, /Tasks per prefetch batch/);
  assert.deepEqual(batch.tags, ['@default 300']);
});
