/**
 * The training job tracker's tables in the app database (module `training`, numbered per module;
 * append only). Times are epoch milliseconds; metrics and requests are JSON text.
 */
import type { Migration } from '../store/migrations'

export const TRAINING_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'training jobs and their epochs',
    sql: `
      CREATE TABLE training_jobs (
        job_id TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        origin TEXT NOT NULL,
        request TEXT,
        dataset_name TEXT,
        model TEXT,
        current_epoch INTEGER NOT NULL DEFAULT 0,
        total_epochs INTEGER,
        epochs_stored INTEGER NOT NULL DEFAULT 0,
        progress REAL NOT NULL DEFAULT 0,
        submitted_at INTEGER,
        started_at INTEGER,
        updated_at INTEGER NOT NULL,
        finished_at INTEGER,
        first_epoch INTEGER,
        first_epoch_at INTEGER,
        last_epoch_at INTEGER,
        last_metrics TEXT NOT NULL DEFAULT '{}',
        model_path TEXT,
        final_metrics TEXT,
        training_time REAL,
        error_message TEXT,
        partial_metrics TEXT
      );
      CREATE INDEX training_jobs_updated ON training_jobs (updated_at);
      CREATE INDEX training_jobs_status ON training_jobs (status, updated_at);
      CREATE TABLE training_epochs (
        job_id TEXT NOT NULL,
        epoch INTEGER NOT NULL,
        total_epochs INTEGER,
        progress REAL,
        metrics TEXT NOT NULL,
        at INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (job_id, epoch)
      ) WITHOUT ROWID;
    `
  }
]
