/** Column types that differ between the SQL dialects. */
export interface Dialect {
  bigint: string;
  real: string;
  /** Descending order with NULLs last, as each dialect spells it in an index. */
  descNullsLast: string;
  /** An index's column list: searched by `key`, carrying `columns` so queries need not read the rows. */
  covering: (key: string, columns: readonly string[]) => string;
  /** A query of every block hash the calls' ref lists and responses name, as rows of `hash`. */
  referencedHashes: string;
  /** Creates the full-text index of prompts and responses, `call_text (call_id, body)`. */
  textSearchSchema: string[];
  /** The newest `limit` call ids whose indexed text matches the search in the one `?` (see store/search.ts). */
  matchingIds: (limit: number) => string;
  /** `call_id, snippet` of the matching calls among `count` ids: the search's `?`, then the ids. */
  snippets: (count: number) => string;
  /** The number of findings in `calls.record`, as an expression. */
  findingsOf: string;
  /** `calls.record`'s prompt tokens per component as a JSON object (null without an attribution), as an expression. */
  componentsOf: string;
  /** Rows of `day, component, tokens` summed over every stored call. */
  componentDays: string;
}

/** What `calls_by_time_covering` carries besides `created_ms`: the columns the summaries read and the calls list filters on. */
const TIME_INDEX_COLUMNS = [
  "created_at",
  "provider",
  "api",
  "attention",
  "model",
  "route_id",
  "route_label",
  "input_tokens",
  "output_tokens",
  "cost_usd",
  "reclaimable_usd",
] as const;

/** The indexes leading with `created_ms` that migration 16 replaces with `calls_by_time_covering`. */
const REPLACED_TIME_INDEXES = [
  "calls_by_time",
  "calls_daily",
  "calls_models",
  "calls_routes",
  "calls_by_reclaimable",
] as const;

/** Numbered schema migrations; each runs once per database, in order. */
export function migrations(d: Dialect): Array<{ version: number; sql: string[] }> {
  return [
    {
      version: 1,
      sql: [
        `CREATE TABLE calls (
          id TEXT PRIMARY KEY,
          created_at TEXT NOT NULL,
          created_ms ${d.bigint} NOT NULL,
          provider TEXT NOT NULL,
          api TEXT NOT NULL,
          model TEXT,
          status INTEGER NOT NULL,
          session_id TEXT,
          turn INTEGER,
          input_tokens ${d.bigint} NOT NULL DEFAULT 0,
          output_tokens ${d.bigint} NOT NULL DEFAULT 0,
          cost_usd ${d.real},
          duration_ms ${d.real} NOT NULL DEFAULT 0,
          route_id TEXT,
          route_label TEXT,
          attention INTEGER NOT NULL DEFAULT 0,
          top_component TEXT,
          error TEXT,
          record TEXT NOT NULL,
          request TEXT
        )`,
        `CREATE INDEX calls_by_time ON calls (created_ms DESC)`,
        `CREATE INDEX calls_by_cost ON calls (cost_usd ${d.descNullsLast}, created_ms DESC)`,
        `CREATE INDEX calls_by_attention ON calls (attention DESC, created_ms DESC)`,
        `CREATE INDEX calls_by_model ON calls (model, created_ms DESC)`,
        `CREATE INDEX calls_by_session ON calls (session_id, turn)`,
        `CREATE INDEX calls_daily ON calls (created_ms, created_at, input_tokens, output_tokens, cost_usd)`,
        `CREATE TABLE sessions (
          id TEXT PRIMARY KEY,
          calls INTEGER NOT NULL,
          first_at TEXT NOT NULL,
          last_at TEXT NOT NULL,
          cost_usd ${d.real} NOT NULL DEFAULT 0,
          first_prompt_tokens ${d.bigint} NOT NULL DEFAULT 0,
          last_prompt_tokens ${d.bigint} NOT NULL DEFAULT 0
        )`,
        `CREATE INDEX sessions_by_last ON sessions (last_at DESC)`,
      ],
    },
    {
      version: 2,
      sql: [
        `CREATE INDEX calls_models ON calls (created_ms, model, input_tokens, output_tokens, cost_usd)`,
        `CREATE INDEX calls_routes ON calls (created_ms, route_id, route_label, input_tokens, cost_usd)`,
      ],
    },
    {
      version: 3,
      sql: [`ALTER TABLE calls ADD COLUMN reclaimable_usd ${d.real}`],
    },
    {
      version: 4,
      sql: [
        `ALTER TABLE calls ADD COLUMN end_hash TEXT`,
        `ALTER TABLE calls ADD COLUMN parent_id TEXT`,
        `ALTER TABLE calls ADD COLUMN response_id TEXT`,
        `CREATE INDEX calls_by_end_hash ON calls (end_hash)`,
        `CREATE INDEX calls_by_parent ON calls (parent_id)`,
        `CREATE INDEX calls_by_response ON calls (response_id)`,
      ],
    },
    {
      version: 5,
      sql: [`ALTER TABLE calls ADD COLUMN analysed INTEGER NOT NULL DEFAULT 1`],
    },
    {
      version: 6,
      sql: [
        `ALTER TABLE calls ADD COLUMN loose_hash TEXT`,
        `CREATE INDEX calls_by_loose_hash ON calls (loose_hash)`,
      ],
    },
    {
      // The latest call per conversation hash, exact and loose: chaining looks up a call's
      // prefixes here, one row each, however many calls repeated the same conversation.
      version: 7,
      sql: [
        `CREATE TABLE chain_heads (
          hash TEXT PRIMARY KEY,
          call_id TEXT NOT NULL,
          session_id TEXT NOT NULL,
          turn INTEGER NOT NULL,
          created_ms ${d.bigint} NOT NULL
        )`,
        ...["end_hash", "loose_hash"].map((column) =>
          `INSERT INTO chain_heads (hash, call_id, session_id, turn, created_ms)
           SELECT ${column}, id, session_id, turn, created_ms FROM calls c
           WHERE ${column} IS NOT NULL AND session_id IS NOT NULL
             AND created_ms = (SELECT max(created_ms) FROM calls WHERE ${column} = c.${column})
           ON CONFLICT (hash) DO NOTHING`
        ),
        `DROP INDEX calls_by_end_hash`,
        `DROP INDEX calls_by_loose_hash`,
      ],
    },
    {
      // The address of each llmprof that opened this store, so `llmprof traces` can name
      // the dashboard of the instance that wrote it.
      version: 8,
      sql: [
        `CREATE TABLE instances (
          address TEXT PRIMARY KEY,
          started_at TEXT NOT NULL
        )`,
      ],
    },
    {
      // When the store was last reset, so a running llmprof forgets the calls it remembers.
      version: 9,
      sql: [`CREATE TABLE resets (at ${d.bigint} NOT NULL)`],
    },
    {
      // Prompts stored once: each distinct block of a request (system prompt, tool schema,
      // message, content block) and each response text, keyed by its hash; a call keeps the
      // ordered list of its blocks. Calls stored before keep their whole text in `request`
      // until the background conversion (pipeline/convert.ts) splits them, a batch at a time.
      version: 10,
      sql: [
        `CREATE TABLE blocks (
          hash TEXT PRIMARY KEY,
          text TEXT NOT NULL,
          kind TEXT,
          label TEXT,
          tokens INTEGER NOT NULL DEFAULT 0
        )`,
        `ALTER TABLE calls ADD COLUMN request_refs TEXT`,
        `ALTER TABLE calls ADD COLUMN response_hash TEXT`,
      ],
    },
    {
      // Runs as agents see them: the launch a call came from, the run that spawned a run, a run's name.
      version: 11,
      sql: [
        `ALTER TABLE calls ADD COLUMN launch_id TEXT`,
        `ALTER TABLE calls ADD COLUMN parent_run TEXT`,
        `CREATE INDEX calls_by_launch ON calls (launch_id, created_ms)`,
        `CREATE INDEX calls_by_parent_run ON calls (parent_run)`,
        `ALTER TABLE sessions ADD COLUMN name TEXT`,
        `ALTER TABLE sessions ADD COLUMN parent_run TEXT`,
      ],
    },
    {
      // The dashboard's overview and search: findings and components per call row, prompt
      // tokens per component per day, and a full-text index of the text each call brought
      // (written with the call; calls stored before are not indexed).
      version: 12,
      sql: [
        `ALTER TABLE calls ADD COLUMN findings INTEGER NOT NULL DEFAULT 0`,
        `ALTER TABLE calls ADD COLUMN components TEXT`,
        `UPDATE calls SET findings = ${d.findingsOf}, components = ${d.componentsOf}`,
        `CREATE INDEX calls_by_findings ON calls (findings, created_ms DESC)`,
        `CREATE INDEX calls_by_reclaimable ON calls (created_ms, reclaimable_usd)`,
        `CREATE INDEX sessions_by_cost ON sessions (cost_usd DESC)`,
        `CREATE TABLE component_days (
          day TEXT NOT NULL,
          component TEXT NOT NULL,
          tokens ${d.bigint} NOT NULL DEFAULT 0,
          PRIMARY KEY (day, component)
        )`,
        `INSERT INTO component_days (day, component, tokens) ${d.componentDays}`,
        ...d.textSearchSchema,
      ],
    },
    {
      // Subagent links that survive a restart: the subagents a turn spawned, each open until a
      // subagent's first call claims it, and the turn that spawned each run.
      version: 14,
      sql: [
        `CREATE TABLE spawns (
          id TEXT PRIMARY KEY,
          session_key TEXT NOT NULL,
          prompt TEXT NOT NULL,
          run_id TEXT NOT NULL,
          turn INTEGER NOT NULL,
          created_ms ${d.bigint} NOT NULL,
          claimed_by TEXT
        )`,
        `CREATE INDEX spawns_open ON spawns (session_key, claimed_by, created_ms)`,
        `ALTER TABLE sessions ADD COLUMN parent_turn INTEGER`,
      ],
    },
    {
      // The calls list hides passthrough calls: counting the rest reads this narrow index
      // instead of every row (350 ms to 9 ms at 100,000 calls in SQLite). The overview's top
      // findings walk calls by what they could save and stop at the first few (73 ms to 0.1 ms).
      // An index on (provider, created_ms) was measured too: trends went from 146 to 212 ms.
      version: 15,
      sql: [
        `CREATE INDEX calls_by_api ON calls (api, created_ms)`,
        `CREATE INDEX calls_by_saving ON calls (reclaimable_usd, created_ms)`,
      ],
    },
    {
      // One index on time instead of five: the calls list newest first (read backwards), the
      // daily summary, by-model, routes, spend and pruning all read it, and a calls list filtered
      // by provider or status over a time range is counted from it alone (pages bench: 176 ms to
      // 58 ms at 100,000 calls). Each of the five was written with every call; see docs/storage.md.
      version: 16,
      sql: [
        `CREATE INDEX calls_by_time_covering ON calls ${
          d.covering("created_ms", TIME_INDEX_COLUMNS)
        }`,
        ...REPLACED_TIME_INDEXES.map((name) => `DROP INDEX IF EXISTS ${name}`),
      ],
    },
  ];
}
