/** `task-agents print agent-nodes | system-info`: the project's agent stages; facts for bug reports. */
import type { Command } from 'commander';
import { addCredentialFlags, credentialsFrom } from './credential-flags.js';
import { reportError } from './report-error.js';
import { writeJson } from './output.js';
import { DEMO_PROJECT_DIR } from './demo.js';
import { formatSystemInfo, systemInfo } from './system-info.js';

export function registerPrintCommands(program: Command): void {
  const print = program.command('print').description('print project information');
  addCredentialFlags(print.command('agent-nodes')
    .description('agent stages with their UUIDs and pathways, ready to paste into an agent module')
    .option('--project <DIR|UUID>', 'local project directory or Encord project UUID', DEMO_PROJECT_DIR)
    .option('--json', 'print as JSON'))
    .action(async (o: { project: string; json?: boolean; sshKeyFile?: string; domain?: string }) => {
      try {
        // Loaded on use: platforms (SQLite, HTTP) are no part of the CLI's start.
        const { openPlatform } = await import('../open-platform.js');
        const platform = await openPlatform(o.project, credentialsFrom(o));
        try {
          const info = await platform.getProject();
          const nodes = info.workflow.stages.filter((s) => s.stageType === 'AGENT').map((s) => ({ title: s.title, uuid: s.uuid, pathways: s.pathways ?? [] }));
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

  print.command('system-info')
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
