import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { Dialect } from "./migrations.ts";
import { insertCallsSql, type Querier, type Row, SqlStore } from "./sql_store.ts";
import type { SqlValue } from "./rows.ts";

/** SQLite's column types and queries where they differ from Postgres's. */
export const SQLITE_DIALECT: Dialect = {
  bigint: "INTEGER",
  real: "REAL",
  descNullsLast: "DESC",
  covering: (key, columns) => `(${[key, ...columns].join(", ")})`,
  referencedHashes: `SELECT j.value FROM calls, json_each(calls.request_refs) j
    WHERE calls.request_refs IS NOT NULL AND j.type = 'text'
    UNION SELECT response_hash FROM calls WHERE response_hash IS NOT NULL`,
  textSearchSchema: [
    `CREATE VIRTUAL TABLE call_text USING fts5(call_id UNINDEXED, body, tokenize = 'unicode61')`,
  ],
  // The index's rowids follow the order calls were written in, newest last.
  matchingIds: (limit) =>
    `SELECT call_id FROM call_text WHERE call_text MATCH ? ORDER BY rowid DESC LIMIT ${limit}`,
  snippets: (count) =>
    `SELECT call_id, snippet(call_text, 1, char(1), char(2), '…', 16) AS snippet FROM call_text
     WHERE call_text MATCH ? AND call_id IN (${Array(count).fill("?").join(", ")})
     ORDER BY rowid DESC LIMIT ${count}`,
  findingsOf: "coalesce(json_array_length(calls.record, '$.findings'), 0)",
  componentsOf: `CASE WHEN json_type(calls.record, '$.attribution.components') = 'array' THEN
    (SELECT json_group_object(json_extract(j.value, '$.name'), json_extract(j.value, '$.tokens'))
     FROM json_each(calls.record, '$.attribution.components') j) END`,
  componentDays: `SELECT substr(c.created_at, 1, 10), json_extract(j.value, '$.name'),
    sum(json_extract(j.value, '$.tokens')) FROM calls c, json_each(c.record, '$.attribution.components') j
    WHERE json_type(c.record, '$.attribution.components') = 'array' GROUP BY 1, 2`,
};

/** The default store: one SQLite file (WAL mode), zero setup. */
export class SqliteStore extends SqlStore {
  readonly kind = "sqlite" as const;
  protected readonly dialect = SQLITE_DIALECT;
  protected readonly db: Querier;
  readonly path: string;
  readonly #sqlite: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(path: string) {
    super();
    this.path = path;
    this.#sqlite = new DatabaseSync(path);
    this.#sqlite.exec(
      "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;",
    );
    this.db = this.#querier();
  }

  /**
   * Opens (creating if needed, owner-only) the SQLite file at `path`, checks that it is not
   * damaged and applies its migrations. A file it created is removed again when that fails.
   */
  static async open(path: string): Promise<SqliteStore> {
    const file = path !== ":memory:";
    const created = file && !(await Deno.stat(path).then(() => true, () => false));
    // Created owner-only before SQLite opens it, so it is never readable by others.
    if (created) (await Deno.open(path, { createNew: true, write: true, mode: 0o600 })).close();
    let store: SqliteStore | undefined;
    try {
      store = new SqliteStore(path);
      if (file) await Deno.chmod(path, 0o600).catch(() => {});
      store.#checkIntegrity();
      await store.migrate();
      // SQLite gives its -wal and -shm files the database file's mode; make sure of all three.
      if (file) {
        for (const copy of [path, `${path}-wal`, `${path}-shm`]) {
          await Deno.chmod(copy, 0o600).catch(() => {});
        }
      }
      return store;
    } catch (error) {
      try {
        if (store) store.#sqlite.close();
      } catch { /* not open */ }
      if (created) {
        for (const leftover of [path, `${path}-wal`, `${path}-shm`]) {
          await Deno.remove(leftover).catch(() => {});
        }
      }
      throw error;
    }
  }

  /** Throws, in one sentence, when the file is damaged (PRAGMA quick_check). */
  #checkIntegrity(): void {
    const rows = this.#sqlite.prepare("PRAGMA quick_check(3)").all() as Row[];
    const problems = rows.map((row) => String(Object.values(row)[0])).filter((p) => p !== "ok");
    if (problems.length > 0) {
      throw new Error(
        `the database file is damaged (${
          problems.join("; ")
        }); move it aside (or restore a backup) and start again`,
      );
    }
  }

  #statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#sqlite.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #querier(): Querier {
    return {
      all: (sql: string, params: SqlValue[] = []) => {
        const statement = this.#statement(sql);
        return Promise.resolve(
          statement.columns().length > 0
            ? statement.all(...params) as Row[]
            : (statement.run(...params), []),
        );
      },
      insertCalls: (rows: SqlValue[][]) => {
        const inserted = new Set<string>();
        const insert = this.#statement(insertCallsSql(1, () => "?"));
        for (const row of rows) {
          if (Number(insert.run(...row).changes) > 0) inserted.add(String(row[0]));
        }
        return Promise.resolve(inserted);
      },
    };
  }

  protected transaction<T>(
    fn: (q: Querier) => Promise<T>,
    options: { lock?: boolean; blocks?: "shared" | "exclusive" } = {},
  ): Promise<T> {
    // node:sqlite is synchronous, but `fn` is async: serialise transactions so they never nest.
    // A transaction that writes starts IMMEDIATE: it holds SQLite's one write lock from its
    // first read, so another process's prune cannot come between its reads and its writes.
    const run = async () => {
      this.#sqlite.exec(options.lock || options.blocks ? "BEGIN IMMEDIATE" : "BEGIN");
      try {
        const result = await fn(this.db);
        this.#sqlite.exec("COMMIT");
        return result;
      } catch (error) {
        // SQLite has already rolled back after some errors (a full disk): the original error
        // is what to report, not "cannot rollback - no transaction is active".
        if (this.#sqlite.isTransaction) this.#sqlite.exec("ROLLBACK");
        throw error;
      }
    };
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => {});
    return next;
  }

  protected async sizeOnDisk(q: Querier): Promise<number> {
    const [pages] = await q.all("PRAGMA page_count");
    const [size] = await q.all("PRAGMA page_size");
    const wal = this.path === ":memory:"
      ? 0
      : await Deno.stat(`${this.path}-wal`).then((s) => s.size, () => 0);
    return Number(pages?.page_count ?? 0) * Number(size?.page_size ?? 0) + wal;
  }

  /** Moves the WAL into the database file and truncates it (what a quiet store does on its own). */
  checkpoint(): Promise<void> {
    return this.transaction(() => Promise.resolve()).then(() => {
      this.#sqlite.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    });
  }

  async close(): Promise<void> {
    await this.#queue;
    this.#sqlite.close();
  }
}
