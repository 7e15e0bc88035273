/** `task-agents project init|import|status|tasks|export|view`: manage a local project directory. */
import type { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { TaskAgentError } from '../../shared/errors.js';
import { findStage } from '../../shared/workflow.js';
import { LocalProject } from '../../platform/local/local-project.js';
import { defaultOntology, defaultWorkflow } from '../../platform/local/default-project.js';
import { createDemoProject } from '../../platform/local/demo-project.js';
import { createTwinProject } from '../../platform/local/twin-project.js';
import { importPaths, type ImportAs } from '../../platform/local/import-files.js';
import { defaultProber } from './media-prober.js';
import { writeImageSequenceVideo } from '../../worker/decode/encode-sequence.js';
import { demoMedia } from './demo-media.js';
import { reportError } from './program.js';
import { writeJson } from './output.js';
import { registerViewCommand } from './view-command.js';

function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new TaskAgentError('TA_CFG_INVALID', `cannot read ${what} file ${path}`, { cause });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new TaskAgentError('TA_CFG_PROJECT_INVALID', `${what} file ${path} is not valid JSON: ${(cause as Error).message}`);
  }
}

/** Runs a command body with the project open, closing it and reporting coded errors. */
async function withProject(dir: string, json: boolean, body: (p: LocalProject) => Promise<void> | void): Promise<void> {
  let p: LocalProject | undefined;
  try {
    p = LocalProject.open(dir);
    await body(p);
  } catch (e) {
    await reportError(e, json);
  } finally {
    p?.close();
  }
}

export function registerProjectCommands(program: Command): void {
  const project = program.command('project').description('create and inspect local projects');

  project.command('init')
    .description('create a local project (SQLite + media folder)')
    .argument('<DIR>')
    .option('--demo', 'add demo media')
    .option('--workflow <FILE>', 'workflow JSON in Encord\'s shape {"stages":[...]}')
    .option('--ontology <FILE>', 'ontology JSON in Encord\'s editor shape {"objects":[],"classifications":[]}')
    .option('--title <TITLE>', 'project title')
    .option('--twin-of <SRC>', 'a twin of project SRC: the same data units (hashes, media), its own tasks and labels')
    .option('--json', 'print the project as JSON')
    .action(async (dir: string, o: { demo?: boolean; workflow?: string; ontology?: string; title?: string; twinOf?: string; json?: boolean }) => {
      try {
        let p: LocalProject;
        if (o.twinOf !== undefined) {
          const source = LocalProject.open(o.twinOf);
          try {
            p = createTwinProject(dir, source, {
              ...(o.workflow && { workflow: readJsonFile(o.workflow, 'workflow') as never }),
              ...(o.ontology && { ontology: readJsonFile(o.ontology, 'ontology') as never }),
              ...(o.title !== undefined && { title: o.title }),
            });
          } finally {
            source.close();
          }
        } else if (o.demo && !o.workflow && !o.ontology) {
          p = await createDemoProject(dir, { probe: defaultProber, extraMedia: demoMedia });
        } else {
          p = LocalProject.create(dir, {
            workflow: (o.workflow ? readJsonFile(o.workflow, 'workflow') : defaultWorkflow()) as never,
            ontology: (o.ontology ? readJsonFile(o.ontology, 'ontology') : defaultOntology()) as never,
            ...(o.title !== undefined && { title: o.title }),
          });
        }
        const info = p.info;
        p.close();
        if (o.json) await writeJson({ dir: p.dir, projectHash: info.projectHash, stages: info.workflow.stages });
        else process.stdout.write(`created project ${info.projectHash} in ${p.dir}\n`);
      } catch (e) {
        await reportError(e, o.json === true);
      }
    });

  project.command('import')
    .description('import files or folders as data units, each with a task in the first stage')
    .argument('<DIR>')
    .argument('<PATH...>')
    .option('--as <KIND>', 'how folders are imported: files, image-group or image-sequence', 'files')
    .option('--json', 'print the import result as JSON')
    .action(async (dir: string, paths: string[], o: { as: string; json?: boolean }) => {
      await withProject(dir, o.json === true, async (p) => {
        if (!['files', 'image-group', 'image-sequence'].includes(o.as)) {
          throw new TaskAgentError('TA_CFG_INVALID', `--as must be files, image-group or image-sequence, got "${o.as}"`);
        }
        const r = await importPaths(p, paths, { as: o.as as ImportAs, probe: defaultProber, encodeSequence: writeImageSequenceVideo });
        if (o.json) await writeJson(r);
        else {
          process.stdout.write(`imported ${r.imported.length} data unit(s)\n`);
          for (const w of r.warnings) process.stderr.write(`warning: ${w.path}: ${w.warning}\n`);
        }
      });
    });

  project.command('status')
    .description('tasks per stage')
    .argument('<DIR>')
    .option('--json', 'print as JSON')
    .action(async (dir: string, o: { json?: boolean }) => {
      await withProject(dir, o.json === true, async (p) => {
        const counts = p.countsByStage();
        const stages = p.info.workflow.stages.map((s) => ({ stage: s.title, stageUuid: s.uuid, stageType: s.stageType, tasks: counts.get(s.uuid) ?? 0 }));
        if (o.json) await writeJson({ projectHash: p.info.projectHash, title: p.info.title, stages });
        else {
          process.stdout.write(`${p.info.title} (${p.info.projectHash})\n`);
          for (const s of stages) process.stdout.write(`  ${s.stage.padEnd(24)} ${s.stageType.padEnd(12)} ${s.tasks}\n`);
        }
      });
    });

  project.command('tasks')
    .description('list tasks with their stage and priority')
    .argument('<DIR>')
    .option('--stage <NAME>', 'only this stage (title or UUID)')
    .option('--json', 'print as JSON')
    .action(async (dir: string, o: { stage?: string; json?: boolean }) => {
      await withProject(dir, o.json === true, async (p) => {
        const stages = p.info.workflow.stages;
        let stageUuid: string | undefined;
        if (o.stage !== undefined) {
          const s = findStage(stages, o.stage);
          if (!s) throw new TaskAgentError('TA_STAGE_UNKNOWN', `no stage "${o.stage}"`, { hint: `stages: ${stages.map((x) => x.title).join(', ')}` });
          stageUuid = s.uuid;
        }
        const titles = new Map(stages.map((s) => [s.uuid, s.title]));
        const rows = p.allTasks(stageUuid).map((t) => ({
          uuid: t.uuid, dataHash: t.dataHash, dataTitle: t.dataTitle, stage: titles.get(t.stageUuid) ?? t.stageUuid, stageUuid: t.stageUuid, priority: t.priority, status: t.status,
        }));
        if (o.json) await writeJson(rows);
        else for (const r of rows) process.stdout.write(`${r.uuid}  ${r.stage.padEnd(16)} ${String(r.priority ?? '-').padEnd(6)} ${r.dataTitle}\n`);
      });
    });

  project.command('export')
    .description('export label rows as Encord label-row JSON')
    .argument('<DIR>')
    .option('--out <FILE>', 'write to FILE instead of stdout')
    .action(async (dir: string, o: { out?: string }) => {
      await withProject(dir, false, async (p) => {
        const rows = p.exportLabelRows();
        if (o.out) writeFileSync(o.out, `${JSON.stringify(rows, null, 2)}\n`);
        else await writeJson(rows);
      });
    });

  registerViewCommand(project);
}
