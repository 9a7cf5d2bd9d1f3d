/**
 * Numbered migrations of the app's own SQLite database. Append only: never edit a migration that
 * has shipped; add the next number.
 */
export interface Migration {
  version: number
  name: string
  sql: string
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'meta key/value store',
    sql: `CREATE TABLE meta (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL,
      updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
    );`
  }
]
