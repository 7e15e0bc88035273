/**
 * SQLite schema of a local project (`DIR/project.db`). WAL mode; every commit from the runner is
 * one transaction. Tasks are paged by `seq` (keyset), so tasks leaving a stage while it is being
 * paged never shift the pages (the Python runner relies on server page tokens for that).
 */
export const SCHEMA_VERSION = 1;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS storage_items (
  uuid TEXT PRIMARY KEY,
  parent_uuid TEXT,
  child_index INTEGER,
  item_type TEXT NOT NULL,
  name TEXT NOT NULL,
  rel_path TEXT,
  mime_type TEXT,
  width INTEGER, height INTEGER, fps REAL, frame_count INTEGER, duration REAL, codec TEXT, file_size INTEGER,
  client_metadata TEXT NOT NULL DEFAULT '{}',
  import_warning TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS storage_items_parent ON storage_items(parent_uuid, child_index);
CREATE TABLE IF NOT EXISTS data_units (
  data_hash TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  data_type TEXT NOT NULL,
  storage_item_uuid TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS label_rows (
  data_hash TEXT PRIMARY KEY,
  label_hash TEXT,
  branch_name TEXT NOT NULL DEFAULT 'main',
  json TEXT,
  label_status TEXT NOT NULL DEFAULT 'NOT_LABELLED',
  created_at TEXT,
  last_edited_at TEXT
);
CREATE TABLE IF NOT EXISTS tasks (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  uuid TEXT NOT NULL UNIQUE,
  data_hash TEXT NOT NULL,
  stage_uuid TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'NEW',
  priority REAL,
  assignee TEXT,
  last_actioned_by TEXT,
  version INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tasks_stage ON tasks(stage_uuid, seq);
CREATE INDEX IF NOT EXISTS tasks_data ON tasks(data_hash);
`;
