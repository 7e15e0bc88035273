/** `task-agents project init|import|status|tasks|export|view`: manage a local project directory. */
import type { Command } from 'commander';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { TaskAgentError } from '../../shared/errors.js';
import { findStage } from '../../shared/workflow.js';
import type { LocalProject } from '../../platform/local/local-project.js';
import type { ImportAs } from '../../platform/local/import-files.js';
import { reportError } from './report-error.js';
import { writeJson } from './output.js';
import { registerViewCommand } from './view-command.js';
import { isProjectHash } from '../../shared/project-hash.js';
import type { ProjectInfo } from '../../shared/types.js';

/** `project show`: the workflow (stages, pathways), the ontology (objects, classifications) and tasks per stage. */
function projectOverview(info: ProjectInfo, counts: Map<string, number> | null) {
  const titles = new Map(info.workflow.stages.map((s) => [s.uuid, s.title]));
  return {
    projectHash: info.projectHash,
    title: info.title,
    stages: info.workflow.stages.map((s) => ({
      stage: s.title,
      stageUuid: s.uuid,
      stageType: s.stageType,
      ...(counts && { tasks: counts.get(s.uuid) ?? 0 }),
      pathways: (s.pathways ?? []).map((p) => ({ pathway: p.title, uuid: p.uuid, to: titles.get(p.destinationUuid) ?? p.destinationUuid })),
    })),
    ontology: {
      objects: info.ontology.objects.map((o) => ({ name: o.name, shape: o.shape, featureNodeHash: o.featureNodeHash })),
      classifications: info.ontology.classifications.map((c) => {
        const a = c.attributes[0] as { name?: string; type?: string; options?: Array<{ label?: string }> } | undefined;
        return {
          name: a?.name ?? '',
          type: a?.type ?? '',
          options: (a?.options ?? []).map((o) => o.label ?? ''),
          featureNodeHash: c.featureNodeHash,
        };
      }),
    },
  };
}

function printOverview(o: ReturnType<typeof projectOverview>): void {
  const out: string[] = [`${o.title} (${o.projectHash})`, 'workflow:'];
  for (const s of o.stages) {
    out.push(
      `  ${s.stage.padEnd(24)} ${s.stageType.padEnd(12)} ${s.tasks === undefined ? '' : `${s.tasks} task${s.tasks === 1 ? '' : 's'}`}`.trimEnd(),
    );
    for (const p of s.pathways) out.push(`    → ${p.pathway} → ${p.to}`);
  }
  out.push('ontology:');
  for (const ob of o.ontology.objects) out.push(`  object ${ob.name} (${ob.shape})`);
  for (const c of o.ontology.classifications)
    out.push(`  classification ${c.name} (${c.type}${c.options.length ? `: ${c.options.join(', ')}` : ''})`);
  process.stdout.write(`${out.join('\n')}\n`);
}

/** Tasks per agent stage of a remote (Encord) project: the API lists tasks of agent stages only. */
async function remoteStatus(uuid: string, json: boolean): Promise<void> {
  const { openPlatform } = await import('../open-platform.js');
  const platform = await openPlatform(uuid);
  try {
    const info = await platform.getProject();
    const stages = [];
    for (const s of info.workflow.stages) {
      let tasks: number | null = null;
      if (s.stageType === 'AGENT') {
        tasks = 0;
        for await (const page of platform.taskPages(s.uuid)) tasks += page.length;
      }
      stages.push({ stage: s.title, stageUuid: s.uuid, stageType: s.stageType, tasks });
    }
    if (json) await writeJson({ projectHash: info.projectHash, title: info.title, stages });
    else {
      process.stdout.write(`${info.title} (${info.projectHash}, Encord)\n`);
      for (const s of stages)
        process.stdout.write(
          `  ${s.stage.padEnd(24)} ${s.stageType.padEnd(12)} ${s.tasks ?? '- (Encord lists tasks of agent stages only)'}\n`,
        );
    }
  } finally {
    await platform.close();
  }
}

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
    const { LocalProject } = await import('../../platform/local/local-project.js');
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

  project
    .command('init')
    .description('create a local project (SQLite + media folder)')
    .argument('<DIR>')
    .option('--demo', 'add demo media')
    .option('--workflow <FILE>', 'workflow JSON in Encord\'s shape {"stages":[...]}')
    .option('--ontology <FILE>', 'ontology JSON in Encord\'s editor shape {"objects":[],"classifications":[]}')
    .option('--title <TITLE>', 'project title')
    .option('--twin-of <SRC>', 'a twin of project SRC: the same data units (hashes, media), its own tasks and labels')
    .option('--json', 'print the project as JSON')
    .action(
      async (dir: string, o: { demo?: boolean; workflow?: string; ontology?: string; title?: string; twinOf?: string; json?: boolean }) => {
        try {
          // Loaded on use, as every command's machinery: SQLite, image encoding and FFmpeg are no part of the CLI's start.
          const [
            { LocalProject },
            { defaultOntology, defaultWorkflow },
            { createDemoProject },
            { createTwinProject },
            { defaultProber },
            { demoMedia },
          ] = await Promise.all([
            import('../../platform/local/local-project.js'),
            import('../../platform/local/default-project.js'),
            import('../../platform/local/demo-project.js'),
            import('../../platform/local/twin-project.js'),
            import('./media-prober.js'),
            import('./demo-media.js'),
          ]);
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
      },
    );

  project
    .command('import')
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
        // A path that is not there is a usage error, found before anything is copied.
        const missing = paths.filter((x) => !existsSync(resolve(x)));
        if (missing.length)
          throw new TaskAgentError('TA_CFG_INVALID', `no such file or folder: ${missing.join(', ')}`, {
            hint: 'nothing was imported; check the paths',
          });
        const [{ importPaths }, { defaultProber }, { writeImageSequenceVideo }] = await Promise.all([
          import('../../platform/local/import-files.js'),
          import('./media-prober.js'),
          import('../../media/encode-sequence.js'),
        ]);
        const r = await importPaths(p, paths, { as: o.as as ImportAs, probe: defaultProber, encodeSequence: writeImageSequenceVideo });
        if (r.imported.length === 0) {
          throw new TaskAgentError(
            'TA_CFG_INVALID',
            `nothing to import in ${paths.join(', ')}: ${r.warnings.map((w) => `${w.path}: ${w.warning}`).join('; ') || 'no media files'}`,
            { hint: 'import images, videos, audio, text or PDF files, or folders of them' },
          );
        }
        if (o.json) await writeJson(r);
        else {
          process.stdout.write(`imported ${r.imported.length} data unit(s)\n`);
          for (const w of r.warnings) process.stderr.write(`warning: ${w.path}: ${w.warning}\n`);
        }
      });
    });

  project
    .command('show')
    .description('the workflow (stages, pathways), the ontology and the tasks per stage of a local project')
    .argument('<DIR>')
    .option('--json', 'print as JSON')
    .action(async (dir: string, o: { json?: boolean }) => {
      await withProject(dir, o.json === true, async (p) => {
        const overview = projectOverview(p.info, p.countsByStage());
        if (o.json) await writeJson(overview);
        else printOverview(overview);
      });
    });

  project
    .command('status')
    .description('tasks per stage (a local DIR, or an Encord project UUID: its agent stages)')
    .argument('<DIR|UUID>')
    .option('--json', 'print as JSON')
    .action(async (dir: string, o: { json?: boolean }) => {
      if (isProjectHash(dir) && !existsSync(dir)) {
        try {
          await remoteStatus(dir, o.json === true);
        } catch (e) {
          await reportError(e, o.json === true);
        }
        return;
      }
      await withProject(dir, o.json === true, async (p) => {
        const counts = p.countsByStage();
        const stages = p.info.workflow.stages.map((s) => ({
          stage: s.title,
          stageUuid: s.uuid,
          stageType: s.stageType,
          tasks: counts.get(s.uuid) ?? 0,
        }));
        if (o.json) await writeJson({ projectHash: p.info.projectHash, title: p.info.title, stages });
        else {
          process.stdout.write(`${p.info.title} (${p.info.projectHash})\n`);
          for (const s of stages) process.stdout.write(`  ${s.stage.padEnd(24)} ${s.stageType.padEnd(12)} ${s.tasks}\n`);
        }
      });
    });

  project
    .command('tasks')
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
          if (!s)
            throw new TaskAgentError('TA_STAGE_UNKNOWN', `no stage "${o.stage}"`, {
              hint: `stages: ${stages.map((x) => x.title).join(', ')}`,
            });
          stageUuid = s.uuid;
        }
        const titles = new Map(stages.map((s) => [s.uuid, s.title]));
        const rows = p.allTasks(stageUuid).map((t) => ({
          uuid: t.uuid,
          dataHash: t.dataHash,
          dataTitle: t.dataTitle,
          stage: titles.get(t.stageUuid) ?? t.stageUuid,
          stageUuid: t.stageUuid,
          priority: t.priority,
          status: t.status,
        }));
        if (o.json) await writeJson(rows);
        else
          for (const r of rows)
            process.stdout.write(`${r.uuid}  ${r.stage.padEnd(16)} ${String(r.priority ?? '-').padEnd(6)} ${r.dataTitle}\n`);
      });
    });

  project
    .command('export')
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
