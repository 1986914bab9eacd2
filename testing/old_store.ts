import { DatabaseSync } from "node:sqlite";
import { migrations } from "../store/migrations.ts";
import { SQLITE_DIALECT } from "../store/sqlite_store.ts";

/** A SQLite database at `path` with the schema of migrations up to `version` only, as an older llmprof left it. */
export function oldSqlite(path: string, version: number): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec(
    "CREATE TABLE llmprof_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
  );
  for (const m of migrations(SQLITE_DIALECT)) {
    if (m.version > version) break;
    for (const sql of m.sql) db.exec(sql);
    db.prepare("INSERT INTO llmprof_migrations VALUES (?, ?)").run(m.version, "2026-11-01");
  }
  return db;
}
