/**
 * Twin projects: a second local project over the same data (same dataset, storage items and data
 * hashes, like two Encord projects attached to one dataset), with its own workflow, ontology,
 * label rows and tasks. Used by `project init DIR --twin-of SRC` and by `deps.twinLabelRow()`.
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, linkSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { OntologyStructure, Workflow } from '../../shared/types.js';
import { LocalProject } from './local-project.js';

export interface TwinInit {
  workflow?: Workflow;
  ontology?: OntologyStructure;
  title?: string;
}

/**
 * Creates a project in `dir` over the data of `source`: storage items and data units copied with
 * their uuids and hashes, media hard-linked (copied across devices), uninitialised label rows,
 * and one task per data unit in the first stage of the twin's workflow. Workflow and ontology
 * default to the source's.
 */
export function createTwinProject(dir: string, source: LocalProject, init: TwinInit = {}): LocalProject {
  const twin = LocalProject.create(dir, {
    workflow: init.workflow ?? source.info.workflow,
    ontology: init.ontology ?? source.info.ontology,
    title: init.title ?? `${source.info.title} (twin)`,
  });
  const db = twin.db;
  const firstStage = twin.info.workflow.stages[0].uuid;
  const now = new Date().toISOString();
  db.exec(`ATTACH DATABASE '${source.db.name.replace(/'/g, "''")}' AS src`);
  try {
    db.transaction(() => {
      // One dataset: its hash and root folder are shared, as on Encord.
      db.prepare("UPDATE meta SET value = (SELECT value FROM src.meta WHERE key = 'datasetHash') WHERE key = 'datasetHash'").run();
      db.prepare("UPDATE meta SET value = (SELECT value FROM src.meta WHERE key = 'rootFolderUuid') WHERE key = 'rootFolderUuid'").run();
      db.exec('INSERT INTO storage_items SELECT * FROM src.storage_items ORDER BY rowid');
      db.exec('INSERT INTO data_units SELECT * FROM src.data_units ORDER BY rowid');
      db.exec('INSERT INTO label_rows (data_hash) SELECT data_hash FROM src.data_units ORDER BY rowid');
      const insTask = db.prepare('INSERT INTO tasks (uuid, data_hash, stage_uuid, created_at, updated_at) VALUES (?,?,?,?,?)');
      for (const { data_hash } of db.prepare('SELECT data_hash FROM data_units ORDER BY rowid').all() as Array<{ data_hash: string }>) {
        insTask.run(randomUUID(), data_hash, firstStage, now, now);
      }
    })();
  } finally {
    db.exec('DETACH DATABASE src');
  }
  const paths = db.prepare('SELECT rel_path FROM storage_items WHERE rel_path IS NOT NULL').all() as Array<{ rel_path: string }>;
  for (const { rel_path } of paths) {
    const from = source.mediaPath(rel_path);
    if (!existsSync(from)) continue; // synthetic or missing media stays missing in the twin too
    const to = twin.mediaPath(rel_path);
    mkdirSync(dirname(to), { recursive: true });
    try {
      linkSync(from, to);
    } catch {
      copyFileSync(from, to);
    }
  }
  // Re-open so the cached dataset hash is the shared one.
  const out = twin.dir;
  twin.close();
  return LocalProject.open(out);
}
