import postgres from "postgres";
import type { Dialect } from "./migrations.ts";
import { insertCallsSql, type Querier, type Row, SqlStore } from "./sql_store.ts";
import type { SqlValue } from "./rows.ts";

/** Postgres's column types and queries where they differ from SQLite's. */
export const POSTGRES_DIALECT: Dialect = {
  bigint: "BIGINT",
  real: "DOUBLE PRECISION",
  descNullsLast: "DESC NULLS LAST",
  // Carried columns only in the leaves: the upper levels stay as small as a one-column index's.
  covering: (key, columns) => `(${key}) INCLUDE (${columns.join(", ")})`,
  referencedHashes: `SELECT e #>> '{}' FROM calls, jsonb_array_elements(calls.request_refs::jsonb) e
    WHERE calls.request_refs IS NOT NULL AND jsonb_typeof(e) = 'string'
    UNION SELECT response_hash FROM calls WHERE response_hash IS NOT NULL`,
  textSearchSchema: [
    `CREATE TABLE call_text (
      call_id TEXT PRIMARY KEY,
      body TEXT NOT NULL,
      tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED
    )`,
    `CREATE INDEX call_text_search ON call_text USING GIN (tsv)`,
  ],
  // Call ids sort by the time they were made.
  matchingIds: (limit) =>
    `SELECT call_id FROM call_text WHERE tsv @@ websearch_to_tsquery('simple', ?) ORDER BY call_id DESC LIMIT ${limit}`,
  snippets: (count) =>
    `SELECT call_id, ts_headline('simple', body, query,
       'StartSel=' || chr(1) || ', StopSel=' || chr(2) || ', MaxWords=24, MinWords=8, MaxFragments=2, FragmentDelimiter=" … "') AS snippet
     FROM call_text, websearch_to_tsquery('simple', ?) query
     WHERE tsv @@ query AND call_id IN (${Array(count).fill("?").join(", ")})`,
  findingsOf: "coalesce(jsonb_array_length((calls.record::jsonb) -> 'findings'), 0)",
  componentsOf: `(SELECT jsonb_object_agg(e ->> 'name', (e ->> 'tokens')::bigint)::text
    FROM jsonb_array_elements(CASE WHEN jsonb_typeof((calls.record::jsonb) -> 'attribution' -> 'components') = 'array'
      THEN (calls.record::jsonb) -> 'attribution' -> 'components' ELSE '[]'::jsonb END) e)`,
  componentDays: `SELECT substr(c.created_at, 1, 10), e ->> 'name', sum((e ->> 'tokens')::bigint)
    FROM calls c, jsonb_array_elements(CASE WHEN jsonb_typeof((c.record::jsonb) -> 'attribution' -> 'components') = 'array'
      THEN (c.record::jsonb) -> 'attribution' -> 'components' ELSE '[]'::jsonb END) e GROUP BY 1, 2`,
};
/** Any constant: the advisory lock several instances take to migrate one at a time. */
const MIGRATION_LOCK = 7_263_021;
/** The advisory lock writes share and pruning takes alone (see SqlStore's transaction). */
const BLOCKS_LOCK = 7_263_022;
const ROWS_PER_INSERT = 500;

type Sql = postgres.Sql | postgres.TransactionSql;

/**
 * postgres@3.4.9 can throw from a queued setImmediate after the server closed the
 * connection (`socket.write` on null; porsager/postgres#1154, #1208, denoland/deno#34667).
 * The throw escapes every promise and would end llmprof exactly when the database goes
 * away. By then the query it belonged to has been rejected with CONNECTION_CLOSED, so the
 * error is dropped here, and only this one.
 */
export function isClosedSocketWrite(error: unknown): boolean {
  return error instanceof TypeError && /reading 'write'/.test(error.message) &&
    /postgres[\\/]src[\\/]connection\.js/.test(error.stack ?? "") &&
    /nextWrite/.test(error.stack ?? "");
}

let guarded = false;
function guardClosedSocketWrites(): void {
  if (guarded) return;
  guarded = true;
  globalThis.addEventListener("error", (event) => {
    if (isClosedSocketWrite(event.error)) event.preventDefault();
  });
}

/** Rewrites `?` placeholders as Postgres's `$1, $2, …`. */
export function toDollarParams(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function querier(sql: Sql): Querier {
  return {
    all: async (text: string, params: SqlValue[] = []) =>
      [
        ...await sql.unsafe(toDollarParams(text), params as postgres.ParameterOrJSON<never>[]),
      ] as Row[],
    insertCalls: async (rows: SqlValue[][]) => {
      const inserted = new Set<string>();
      for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
        const chunk = rows.slice(i, i + ROWS_PER_INSERT);
        const text = insertCallsSql(chunk.length, (n) => `$${n}`) + " RETURNING id";
        const result = await sql.unsafe(text, chunk.flat() as postgres.ParameterOrJSON<never>[]);
        for (const row of result) inserted.add(String(row.id));
      }
      return inserted;
    },
  };
}

/** Milliseconds a statement or transaction may take before the client is replaced. */
const QUERY_TIMEOUT_MS = 10_000;

function connect(url: string): postgres.Sql {
  return postgres(url, {
    max: 10,
    connect_timeout: 10,
    idle_timeout: 60,
    onnotice: () => {},
    connection: { application_name: "llmprof" },
  });
}

/** The team store: a shared PostgreSQL database, written by any number of llmprof instances. */
export class PostgresStore extends SqlStore {
  readonly kind = "postgres" as const;
  protected readonly dialect = POSTGRES_DIALECT;
  protected readonly db: Querier;
  readonly #url: string;
  #sql: postgres.Sql;

  private constructor(url: string) {
    super();
    this.#url = url;
    this.#sql = connect(url);
    this.db = {
      all: (text, params) => this.#guard((sql) => querier(sql).all(text, params)),
      insertCalls: (rows) => this.#guard((sql) => querier(sql).insertCalls(rows)),
    };
  }

  /** Connects to `url` (postgres:// or postgresql://), checks the connection, and migrates. */
  static async open(url: string): Promise<PostgresStore> {
    guardClosedSocketWrites();
    const store = new PostgresStore(url);
    try {
      await store.db.all("SELECT 1");
      await store.migrate();
    } catch (error) {
      await store.close().catch(() => {});
      throw error;
    }
    return store;
  }

  /**
   * Runs `fn` with a deadline. A connection lost mid-query can leave its promise pending
   * forever and its pool slot taken; past the deadline the whole client is replaced, so
   * the next statement gets fresh connections.
   */
  async #guard<T>(fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
    const sql = this.#sql;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        if (this.#sql === sql) {
          this.#sql = connect(this.#url);
          sql.end({ timeout: 0 }).catch(() => {});
        }
        reject(
          new Error(`PostgreSQL did not answer within ${QUERY_TIMEOUT_MS / 1000} s; reconnecting`),
        );
      }, QUERY_TIMEOUT_MS);
    });
    try {
      return await Promise.race([fn(sql), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  protected transaction<T>(
    fn: (q: Querier) => Promise<T>,
    options: { lock?: boolean; blocks?: "shared" | "exclusive" } = {},
  ): Promise<T> {
    return this.#guard(async (sql) =>
      await sql.begin(async (tx) => {
        // Transactions write batches: a 500-row insert has 14,000 parameters, and planning it
        // afresh for every batch took as long as running it. A generic plan is made once.
        await tx`SET LOCAL plan_cache_mode = force_generic_plan`;
        if (options.lock) await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
        if (options.blocks === "shared") {
          await tx`SELECT pg_advisory_xact_lock_shared(${BLOCKS_LOCK})`;
        } else if (options.blocks === "exclusive") {
          await tx`SELECT pg_advisory_xact_lock(${BLOCKS_LOCK})`;
        }
        return await fn(querier(tx));
      }) as T
    );
  }

  protected async sizeOnDisk(q: Querier): Promise<number> {
    const tables = [
      "calls",
      "blocks",
      "sessions",
      "chain_heads",
      "call_text",
      "component_days",
      "llmprof_migrations",
    ];
    const [row] = await q.all(
      `SELECT ${
        tables.map((t) => `coalesce(pg_total_relation_size(to_regclass('${t}')), 0)`).join(" + ")
      } AS bytes`,
    );
    return Number(row?.bytes ?? 0);
  }

  async close(): Promise<void> {
    await this.#sql.end({ timeout: 5 });
  }
}
