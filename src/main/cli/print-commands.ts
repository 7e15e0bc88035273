/** `task-agents print agent-nodes | system-info`: the project's agent stages; facts for bug reports. */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { TaskAgentError } from '../../shared/errors.js';
import { addCredentialFlags, credentialsFrom } from './credential-flags.js';
import { reportError } from './report-error.js';
import { writeJson } from './output.js';
import { DEMO_PROJECT_DIR } from './demo.js';
import { formatSystemInfo, systemInfo } from './system-info.js';

export function registerPrintCommands(program: Command): void {
  const print = program.command('print').description('print project information');
  addCredentialFlags(
    print
      .command('agent-nodes')
      .description('agent stages with their UUIDs and pathways, ready to paste into an agent module')
      .option('--project <DIR|UUID>', 'local project directory or Encord project UUID', DEMO_PROJECT_DIR)
      .option('--json', 'print as JSON'),
  ).action(async (o: { project: string; json?: boolean; sshKeyFile?: string; domain?: string }) => {
    try {
      // Loaded on use: platforms (SQLite, HTTP) are no part of the CLI's start.
      const { openPlatform } = await import('../open-platform.js');
      const platform = await openPlatform(o.project, credentialsFrom(o));
      try {
        const info = await platform.getProject();
        const nodes = info.workflow.stages
          .filter((s) => s.stageType === 'AGENT')
          .map((s) => ({ title: s.title, uuid: s.uuid, pathways: s.pathways ?? [] }));
        if (o.json) await writeJson(nodes);
        else {
          for (const n of nodes) {
            process.stdout.write(`AgentStage(title="${n.title}", uuid="${n.uuid}")\n`);
            for (const p of n.pathways) process.stdout.write(`  pathway "${p.title}" (${p.uuid}) → ${p.destinationUuid}\n`);
            process.stdout.write(`  runner.stage('${n.uuid}', …)  // ${n.title}\n`);
          }
        }
      } finally {
        await platform.close();
      }
    } catch (e) {
      await reportError(e, o.json === true);
    }
  });

  print
    .command('failures')
    .description('the tasks remembered as failing (the dead-letter memory of --skip-failed-after), most runs in a row first')
    .requiredOption('--project <DIR|UUID>', 'local project directory or Encord project UUID')
    .option('--state-dir <DIR>', "where Encord projects' failures are kept (default $XDG_STATE_HOME/task-agents)")
    .option('--json', 'print as JSON')
    .action(async (o: { project: string; stateDir?: string; json?: boolean }) => {
      try {
        const [{ FailureMemory }, { isProjectUuid }, { LocalProject }] = await Promise.all([
          import('../failure-memory.js'),
          import('../open-platform.js'),
          import('../../platform/local/local-project.js'),
        ]);
        const descriptor = isProjectUuid(o.project)
          ? { kind: 'encord' as const, projectHash: o.project.toLowerCase(), domain: '', keyText: '' }
          : { kind: 'local' as const, dir: resolve(o.project) };
        if (descriptor.kind === 'local' && !LocalProject.exists(descriptor.dir))
          throw new TaskAgentError('TA_CFG_PROJECT_NOT_FOUND', `no local project at ${descriptor.dir}`);
        const memory = FailureMemory.open(descriptor, o.stateDir, { readOnly: true });
        try {
          const rows = memory.list();
          if (o.json) await writeJson(rows);
          else if (rows.length === 0) process.stdout.write('no failing tasks remembered\n');
          else
            for (const r of rows)
              process.stdout.write(
                `${r.taskUuid}  ${String(r.runsInARow).padStart(3)} in a row (${r.totalRuns} total)  ${r.dataTitle}  ${r.lastCode}: ${r.lastMessage.split('\n')[0]}\n`,
              );
        } finally {
          memory.close();
        }
      } catch (e) {
        await reportError(e, o.json === true);
      }
    });

  print
    .command('system-info')
    .description('versions, machine and available frame decoders (for bug reports)')
    .option('--json', 'print as JSON')
    .action(async (o: { json?: boolean }) => {
      try {
        const info = await systemInfo(program.version() ?? '0.0.0');
        if (o.json) await writeJson(info);
        else process.stdout.write(`${formatSystemInfo(info)}\n`);
      } catch (e) {
        await reportError(e, o.json === true);
      }
    });
}
