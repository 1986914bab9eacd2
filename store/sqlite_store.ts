import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { Dialect } from "./migrations.ts";
import { insertCallsSql, type Querier, type Row, SqlStore } from "./sql_store.ts";
import type { SqlValue } from "./rows.ts";

const DIALECT: Dialect = { bigint: "INTEGER", real: "REAL", descNullsLast: "DESC" };

/** The default store: one SQLite file (WAL mode), zero setup. */
export class SqliteStore extends SqlStore {
  readonly kind = "sqlite" as const;
  protected readonly dialect = DIALECT;
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

  /** Opens (creating if needed) the SQLite file at `path` and applies its migrations. */
  static async open(path: string): Promise<SqliteStore> {
    // Created owner-only before SQLite opens it: SQLite gives its -wal and -shm files the
    // database file's mode, so every copy of a prompt on disk is readable by its owner only.
    if (path !== ":memory:") {
      (await Deno.open(path, { create: true, write: true, mode: 0o600 })).close();
    }
    const store = new SqliteStore(path);
    await store.migrate();
    if (path !== ":memory:") {
      for (const file of [path, `${path}-wal`, `${path}-shm`]) {
        await Deno.chmod(file, 0o600).catch(() => {});
      }
    }
    return store;
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
    options: { lock?: boolean } = {},
  ): Promise<T> {
    // node:sqlite is synchronous, but `fn` is async: serialise transactions so they never nest.
    const run = async () => {
      this.#sqlite.exec(options.lock ? "BEGIN IMMEDIATE" : "BEGIN");
      try {
        const result = await fn(this.db);
        this.#sqlite.exec("COMMIT");
        return result;
      } catch (error) {
        this.#sqlite.exec("ROLLBACK");
        throw error;
      }
    };
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => {});
    return next;
  }

  async close(): Promise<void> {
    await this.#queue;
    this.#sqlite.close();
  }
}
