import {
  type Block,
  type BlockMeta,
  joinBlocks,
  refHashes,
  type SplitText,
} from "../core/blocks.ts";
import type { CallRecord } from "../core/record.ts";
import {
  type BaseStore,
  type CallFindings,
  type CallPage,
  type CallQuery,
  type ChainRow,
  type ComponentShare,
  type DaySummary,
  type Instance,
  type ModelSummary,
  type PruneResult,
  type RouteSummary,
  type RunLinks,
  type RunQuery,
  type RunSummary,
  type RunTurn,
  SEARCH_MATCHES,
  type SpawnRow,
  type Spend,
  type StoredCall,
  type StoreStats,
  type UnsplitRequest,
} from "./contract.ts";
import { type Dialect, migrations } from "./migrations.ts";
import { CALL_COLUMNS, callRow, num, numOrNull, responseBlock, type SqlValue } from "./rows.ts";
import { indexedText, searchQuery } from "./search.ts";

/** A result row. */
export type Row = Record<string, unknown>;

/** Runs statements on one connection or inside one transaction. */
export interface Querier {
  /** Runs a statement with `?` placeholders and returns its rows. */
  all(sql: string, params?: SqlValue[]): Promise<Row[]>;
  /** Inserts rows of {@linkcode CALL_COLUMNS}, skipping ids already stored; returns the ids inserted. */
  insertCalls(rows: SqlValue[][]): Promise<Set<string>>;
}

const SUMMARY_COLUMNS =
  "id, created_at, provider, api, model, status, session_id, turn, input_tokens, output_tokens, cost_usd, duration_ms, top_component, error, analysed, components";

const SESSION_UPSERT = `
  INSERT INTO sessions (id, calls, first_at, last_at, cost_usd, first_prompt_tokens, last_prompt_tokens, name, parent_run, parent_turn)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET
    calls = sessions.calls + excluded.calls,
    name = coalesce(sessions.name, excluded.name),
    parent_run = coalesce(sessions.parent_run, excluded.parent_run),
    parent_turn = coalesce(sessions.parent_turn, excluded.parent_turn),
    cost_usd = sessions.cost_usd + excluded.cost_usd,
    first_prompt_tokens = CASE WHEN excluded.first_at < sessions.first_at THEN excluded.first_prompt_tokens ELSE sessions.first_prompt_tokens END,
    first_at = CASE WHEN excluded.first_at < sessions.first_at THEN excluded.first_at ELSE sessions.first_at END,
    last_prompt_tokens = CASE WHEN excluded.last_at >= sessions.last_at THEN excluded.last_prompt_tokens ELSE sessions.last_prompt_tokens END,
    last_at = CASE WHEN excluded.last_at >= sessions.last_at THEN excluded.last_at ELSE sessions.last_at END`;

/** What a batch of new calls adds to one session, with the turn that spawned it. */
export type RunDelta = RunSummary & Pick<RunLinks, "parent_turn">;

/** What a batch of new calls adds to each of their sessions: one upsert per session, not per call. */
export function runDeltas(records: readonly CallRecord[]): RunDelta[] {
  const byId = new Map<string, RunDelta>();
  for (const r of records) {
    if (!r.session) continue;
    const tokens = r.usage?.input_tokens ?? 0;
    const cost = r.cost?.total_usd ?? 0;
    const s = byId.get(r.session.id);
    if (!s) {
      byId.set(r.session.id, {
        id: r.session.id,
        calls: 1,
        first_at: r.created_at,
        last_at: r.created_at,
        cost_usd: cost,
        first_prompt_tokens: tokens,
        last_prompt_tokens: tokens,
        name: r.session.name ?? null,
        parent_run: r.session.parent_run ?? null,
        parent_turn: r.session.parent_turn ?? null,
      });
      continue;
    }
    s.name ??= r.session.name ?? null;
    s.parent_run ??= r.session.parent_run ?? null;
    s.parent_turn ??= r.session.parent_turn ?? null;
    s.calls++;
    s.cost_usd += cost;
    if (r.created_at < s.first_at) [s.first_at, s.first_prompt_tokens] = [r.created_at, tokens];
    if (r.created_at >= s.last_at) [s.last_at, s.last_prompt_tokens] = [r.created_at, tokens];
  }
  return [...byId.values()];
}

/** The UTC day ("2026-11-27") of a time. */
export function utcDay(time: Date | number): string {
  return new Date(time).toISOString().slice(0, 10);
}

/** The `days` UTC days ending with `now`'s, each with its totals (zero when nothing happened). */
export function fillDays(rows: DaySummary[], days: number, now: Date): DaySummary[] {
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const out: DaySummary[] = [];
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  for (let i = days - 1; i >= 0; i--) {
    const day = utcDay(today - i * 86_400_000);
    out.push(byDay.get(day) ?? { day, calls: 0, tokens: 0, cost_usd: 0 });
  }
  return out;
}

/**
 * A store over SQL, with every query written once: SQLite and Postgres supply only a
 * connection, transactions and batch inserts.
 */
export abstract class SqlStore implements BaseStore {
  abstract readonly kind: "sqlite" | "postgres";
  protected abstract readonly dialect: Dialect;
  /** Statements outside a transaction. */
  protected abstract readonly db: Querier;
  /**
   * Runs `fn` in one transaction; `lock` first takes the migration lock. `blocks` takes the
   * blocks lock: shared by writes, exclusive by pruning, so a prune never deletes a block
   * that a write in flight found stored and did not write again.
   */
  protected abstract transaction<T>(
    fn: (q: Querier) => Promise<T>,
    options?: { lock?: boolean; blocks?: "shared" | "exclusive" },
  ): Promise<T>;
  /** The store's bytes on disk. */
  protected abstract sizeOnDisk(q: Querier): Promise<number>;
  abstract close(): Promise<void>;

  /** Applies the migrations this database has not seen, safely when several instances start at once. */
  async migrate(): Promise<void> {
    await this.transaction(async (q) => {
      await q.all(
        "CREATE TABLE IF NOT EXISTS llmprof_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
      );
      const applied = new Set(
        (await q.all("SELECT version FROM llmprof_migrations")).map((r) => num(r.version)),
      );
      for (const migration of migrations(this.dialect)) {
        if (applied.has(migration.version)) continue;
        for (const statement of migration.sql) await q.all(statement);
        await q.all("INSERT INTO llmprof_migrations (version, applied_at) VALUES (?, ?)", [
          migration.version,
          new Date().toISOString(),
        ]);
      }
    }, { lock: true });
  }

  async writeBatch(calls: readonly StoredCall[]): Promise<void> {
    if (calls.length === 0) return;
    // One row per id: an analysed record supersedes the unanalysed one in the same batch.
    const byId = new Map<string, StoredCall>();
    for (const call of calls) {
      const seen = byId.get(call.record.id);
      if (!seen || seen.analysed === false) byId.set(call.record.id, call);
    }
    const unique = [...byId.values()];
    const blocks = new Map<string, Block>();
    const rows = unique.map((call) => {
      for (const b of call.blocks?.blocks ?? []) blocks.set(b.hash, b);
      const response = responseBlock(call.record);
      if (response.block) blocks.set(response.block.hash, response.block);
      return callRow(call, response);
    });
    await this.transaction(async (q) => {
      const newBlocks = await insertBlocks(q, [...blocks.values()]);
      const inserted = await q.insertCalls(rows);
      const fresh = unique.map((c) => c.record).filter((r) => inserted.has(r.id));
      const analysed = unique.filter((c) => c.analysed !== false && inserted.has(c.record.id));
      await indexText(q, analysed, newBlocks);
      await addComponentDays(q, analysed.map((c) => c.record));
      const heads = chainHeads(unique.filter((c) => inserted.has(c.record.id)));
      for (let i = 0; i < heads.length; i += HEADS_PER_UPSERT) {
        const chunk = heads.slice(i, i + HEADS_PER_UPSERT);
        await q.all(headsUpsertSql(chunk.length), chunk.flat());
      }
      for (const s of runDeltas(fresh)) {
        await q.all(SESSION_UPSERT, [
          s.id,
          s.calls,
          s.first_at,
          s.last_at,
          s.cost_usd,
          s.first_prompt_tokens,
          s.last_prompt_tokens,
          s.name,
          s.parent_run,
          s.parent_turn,
        ]);
      }
    }, { blocks: "shared" });
  }

  async getCall(id: string): Promise<StoredCall | null> {
    const [row] = await this.db.all(
      "SELECT record, request, request_refs, response_hash FROM calls WHERE id = ?",
      [id],
    );
    if (!row) return null;
    const record = JSON.parse(String(row.record)) as CallRecord;
    const refs = row.request_refs === null ? null : JSON.parse(String(row.request_refs));
    const responseHash = row.response_hash === null ? null : String(row.response_hash);
    const wanted = [...(refs ? refHashes(refs) : []), ...(responseHash ? [responseHash] : [])];
    const texts = new Map<string, string>();
    for (const b of await this.#blocks(wanted, "hash, text")) {
      texts.set(String(b.hash), String(b.text));
    }
    if (responseHash && record.response) {
      record.response.text = joinBlocks([responseHash], texts);
    }
    return {
      record,
      request: refs ? joinBlocks(refs, texts) : row.request === null ? null : String(row.request),
    };
  }

  /** Rows of the blocks with these hashes. */
  async #blocks(hashes: readonly string[], columns: string, q: Querier = this.db): Promise<Row[]> {
    const rows: Row[] = [];
    for (let i = 0; i < hashes.length; i += 500) {
      const chunk = hashes.slice(i, i + 500);
      rows.push(
        ...await q.all(
          `SELECT ${columns} FROM blocks WHERE hash IN (${chunk.map(() => "?").join(", ")})`,
          chunk,
        ),
      );
    }
    return rows;
  }

  async callBlocks(ids: readonly string[]): Promise<Record<string, BlockMeta[]>> {
    const out: Record<string, BlockMeta[]> = {};
    if (ids.length === 0) return out;
    const refsById = new Map<string, string[]>();
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const rows = await this.db.all(
        `SELECT id, request_refs FROM calls WHERE request_refs IS NOT NULL AND id IN (${
          chunk.map(() => "?").join(", ")
        })`,
        [...chunk],
      );
      for (const r of rows) {
        refsById.set(
          String(r.id),
          (JSON.parse(String(r.request_refs)) as unknown[]).filter((x): x is string =>
            typeof x === "string"
          ),
        );
      }
    }
    const all = [...new Set([...refsById.values()].flat())];
    const meta = new Map<string, BlockMeta>();
    for (const b of await this.#blocks(all, "hash, kind, label, tokens")) {
      meta.set(String(b.hash), {
        hash: String(b.hash),
        kind: b.kind === null ? null : String(b.kind) as BlockMeta["kind"],
        label: b.label === null ? null : String(b.label),
        tokens: num(b.tokens),
      });
    }
    for (const [id, hashes] of refsById) {
      out[id] = hashes.flatMap((h) => meta.get(h) ?? []);
    }
    return out;
  }

  async unsplitRequests(limit: number, after = ""): Promise<UnsplitRequest[]> {
    const rows = await this.db.all(
      "SELECT id, api, request FROM calls WHERE id > ? AND request IS NOT NULL ORDER BY id LIMIT ?",
      [after, Math.max(1, limit)],
    );
    return rows.map((r) => ({ id: String(r.id), api: String(r.api), request: String(r.request) }));
  }

  async splitRequests(calls: ReadonlyArray<{ id: string; blocks: SplitText }>): Promise<void> {
    if (calls.length === 0) return;
    const blocks = new Map<string, Block>();
    for (const c of calls) for (const b of c.blocks.blocks) blocks.set(b.hash, b);
    await this.transaction(async (q) => {
      await insertBlocks(q, [...blocks.values()]);
      for (const c of calls) {
        await q.all("UPDATE calls SET request_refs = ?, request = NULL WHERE id = ?", [
          JSON.stringify(c.blocks.refs),
          c.id,
        ]);
      }
    }, { blocks: "shared" });
  }

  async prune(options: { before: string; dryRun?: boolean }): Promise<PruneResult> {
    const before = Date.parse(options.before);
    if (Number.isNaN(before)) throw new Error(`Cannot prune: "${options.before}" is not a time.`);
    const rollback = new Error("dry run");
    let result: PruneResult = { calls: 0, blocks: 0, bytes: 0 };
    try {
      await this.transaction(async (q) => {
        const [calls] = await q.all(
          `SELECT count(*) AS n, sum(length(record) + coalesce(length(request), 0) + coalesce(length(request_refs), 0)) AS bytes
           FROM calls WHERE created_ms < ?`,
          [before],
        );
        const runs = (await q.all(
          "SELECT DISTINCT session_id FROM calls WHERE created_ms < ? AND session_id IS NOT NULL",
          [before],
        )).map((r) => String(r.session_id));
        await q.all("DELETE FROM calls WHERE created_ms < ?", [before]);
        await q.all("DELETE FROM chain_heads WHERE created_ms < ?", [before]);
        await q.all("DELETE FROM spawns WHERE created_ms < ?", [before]);
        await refreshRuns(q, runs);
        await q.all("DELETE FROM call_text WHERE call_id NOT IN (SELECT id FROM calls)");
        await q.all("DELETE FROM component_days WHERE day < ?", [utcDay(before)]);
        const orphans = `FROM blocks WHERE hash NOT IN (${this.dialect.referencedHashes})`;
        const [blocks] = await q.all(`SELECT count(*) AS n, sum(length(text)) AS bytes ${orphans}`);
        await q.all(`DELETE ${orphans}`);
        result = {
          calls: num(calls?.n),
          blocks: num(blocks?.n),
          bytes: num(calls?.bytes) + num(blocks?.bytes),
        };
        if (options.dryRun) throw rollback;
      }, { blocks: "exclusive" });
    } catch (error) {
      if (error !== rollback) throw error;
    }
    return result;
  }

  async stats(): Promise<StoreStats> {
    const [row] = await this.db.all("SELECT count(*) AS n FROM calls");
    return { calls: num(row?.n), bytes: await this.sizeOnDisk(this.db) };
  }

  async listCalls(query: CallQuery = {}): Promise<CallPage> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (query.session) where.push("session_id = ?"), params.push(query.session);
    if (query.family) {
      where.push("(session_id = ? OR parent_run = ?)"), params.push(query.family, query.family);
    }
    if (query.launch) where.push("launch_id = ?"), params.push(query.launch);
    if (query.model) where.push("model = ?"), params.push(query.model);
    if (query.provider) where.push("provider = ?"), params.push(query.provider);
    if (query.status === "error") where.push("attention = 2");
    // With a time range, the time index finds the rows and these wide ranges are checked on
    // them: a unary plus keeps SQLite from scanning (nearly) every call by attention or findings.
    const timed = Boolean(query.since || query.until);
    if (query.status === "ok") where.push(timed ? "+attention < 2" : "attention < 2");
    if (query.findings) where.push(timed ? "+findings > 0" : "findings > 0");
    if (query.passthrough === false) where.push("api <> 'passthrough'");
    if (query.since) where.push("created_ms >= ?"), params.push(Date.parse(query.since));
    if (query.until) where.push("created_ms < ?"), params.push(Date.parse(query.until));
    const search = query.q ? searchQuery(query.q) : null;
    // One more than counted, to tell whether there were more.
    if (search) {
      where.push(`id IN (${this.dialect.matchingIds(SEARCH_MATCHES + 1)})`), params.push(search);
    }
    const filter = where.length ? `WHERE ${where.join(" AND ")}` : "";
    // Ties on time are broken by id, so pages never skip or repeat a call made in the same millisecond.
    const order = query.sort === "cost"
      ? `cost_usd ${this.dialect.descNullsLast}, created_ms DESC, id DESC`
      : query.sort === "attention"
      ? "attention DESC, created_ms DESC, id DESC"
      : "created_ms DESC, id DESC";
    const limit = Math.min(Math.max(query.limit ?? 50, 1), 1000);
    const offset = Math.max(query.offset ?? 0, 0);
    const [rows, [count]] = await Promise.all([
      this.db.all(
        `SELECT ${SUMMARY_COLUMNS} FROM calls ${filter} ORDER BY ${order} LIMIT ? OFFSET ?`,
        [...params, limit, offset],
      ),
      this.db.all(`SELECT count(*) AS n FROM calls ${filter}`, params),
    ]);
    const runIds = [
      ...new Set(rows.flatMap((r) => r.session_id === null ? [] : [String(r.session_id)])),
    ];
    const names = new Map<string, string>();
    if (runIds.length > 0) {
      const found = await this.db.all(
        `SELECT id, name FROM sessions WHERE name IS NOT NULL AND id IN (${marks(runIds.length)})`,
        runIds,
      );
      for (const r of found) names.set(String(r.id), String(r.name));
    }
    const snippets = new Map<string, string>();
    if (search && rows.length > 0) {
      const found = await this.db.all(this.dialect.snippets(rows.length), [
        search,
        ...rows.map((r) => String(r.id)),
      ]);
      for (const r of found) snippets.set(String(r.call_id), String(r.snippet));
    }
    const total = num(count?.n);
    return {
      total: Math.min(total, search ? SEARCH_MATCHES : total),
      ...(search && total > SEARCH_MATCHES ? { capped: true } : {}),
      calls: rows.map((r) => ({
        id: String(r.id),
        created_at: String(r.created_at),
        provider: String(r.provider),
        api: String(r.api),
        model: r.model === null ? null : String(r.model),
        status: num(r.status),
        session_id: r.session_id === null ? null : String(r.session_id),
        turn: numOrNull(r.turn),
        prompt_tokens: num(r.input_tokens),
        completion_tokens: num(r.output_tokens),
        cost_usd: numOrNull(r.cost_usd),
        duration_ms: num(r.duration_ms),
        top_component: r.top_component === null ? null : String(r.top_component),
        error: r.error === null ? null : String(r.error),
        analysed: num(r.analysed) === 1,
        run_name: r.session_id === null ? null : names.get(String(r.session_id)) ?? null,
        components: r.components === null || r.components === undefined
          ? null
          : JSON.parse(String(r.components)) as Record<string, number>,
        ...(search ? { snippet: snippets.get(String(r.id)) ?? null } : {}),
      })),
    };
  }

  async listRuns(options: RunQuery = {}): Promise<RunSummary[]> {
    const since = options.since ? "WHERE last_at >= ?" : "";
    const order = options.sort === "cost"
      ? "cost_usd DESC, last_at DESC, id DESC"
      : "last_at DESC, id DESC";
    const rows = await this.db.all(
      `SELECT * FROM sessions ${since} ORDER BY ${order} LIMIT ? OFFSET ?`,
      [
        ...(options.since ? [new Date(options.since).toISOString()] : []),
        Math.min(Math.max(options.limit ?? 100, 1), 1000),
        Math.max(options.offset ?? 0, 0),
      ],
    );
    return rows.map((r) => ({
      id: String(r.id),
      calls: num(r.calls),
      first_at: String(r.first_at),
      last_at: String(r.last_at),
      cost_usd: num(r.cost_usd),
      first_prompt_tokens: num(r.first_prompt_tokens),
      last_prompt_tokens: num(r.last_prompt_tokens),
      name: r.name === null || r.name === undefined ? null : String(r.name),
      parent_run: r.parent_run === null || r.parent_run === undefined ? null : String(r.parent_run),
    }));
  }

  async getRun(id: string): Promise<RunTurn[]> {
    const rows = await this.db.all(
      "SELECT id, turn, created_at, input_tokens, cost_usd, record FROM calls WHERE session_id = ? ORDER BY turn, created_ms",
      [id],
    );
    return rows.map((r) => {
      const record = JSON.parse(String(r.record));
      const components: Record<string, number> = {};
      for (const c of record.attribution?.components ?? []) components[c.name] = c.tokens;
      return {
        call_id: String(r.id),
        turn: num(r.turn),
        created_at: String(r.created_at),
        prompt_tokens: num(r.input_tokens),
        cache_read_tokens: Number(record.usage?.cache_read_tokens ?? 0),
        components,
        cost_usd: numOrNull(r.cost_usd),
      };
    });
  }

  async runGrowth(ids: readonly string[]): Promise<Record<string, number[]>> {
    const out: Record<string, number[]> = {};
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const rows = await this.db.all(
        `SELECT session_id, input_tokens FROM calls WHERE session_id IN (${
          marks(chunk.length)
        }) ORDER BY session_id, turn, created_ms`,
        [...chunk],
      );
      for (const r of rows) (out[String(r.session_id)] ??= []).push(num(r.input_tokens));
    }
    return out;
  }

  async componentShares(options: { since: string }): Promise<ComponentShare[]> {
    const rows = await this.db.all(
      `SELECT component, sum(tokens) AS tokens FROM component_days WHERE day >= ?
       GROUP BY component ORDER BY tokens DESC`,
      [utcDay(Date.parse(options.since))],
    );
    return rows.map((r) => ({ component: String(r.component), tokens: num(r.tokens) }));
  }

  async findingCalls(options: { since: string; limit: number }): Promise<CallFindings[]> {
    const rows = await this.db.all(
      `SELECT id, created_at, model, record FROM calls
       WHERE created_ms >= ? AND reclaimable_usd > 0 ORDER BY reclaimable_usd DESC LIMIT ?`,
      [Date.parse(options.since), Math.min(Math.max(options.limit, 1), 1000)],
    );
    return rows.map((r) => ({
      call_id: String(r.id),
      created_at: String(r.created_at),
      model: r.model === null ? null : String(r.model),
      findings: (JSON.parse(String(r.record)) as CallRecord).findings,
    }));
  }

  async dailySummary(options: { days: number; now?: Date }): Promise<DaySummary[]> {
    const now = options.now ?? new Date();
    const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) + 86_400_000;
    const start = end - options.days * 86_400_000;
    const rows = await this.db.all(
      `SELECT substr(created_at, 1, 10) AS day, count(*) AS calls, sum(input_tokens + output_tokens) AS tokens,
              sum(coalesce(cost_usd, 0)) AS cost FROM calls
       WHERE created_ms >= ? AND created_ms < ? GROUP BY substr(created_at, 1, 10)`,
      [start, end],
    );
    return fillDays(
      rows.map((r) => ({
        day: String(r.day),
        calls: num(r.calls),
        tokens: num(r.tokens),
        cost_usd: num(r.cost),
      })),
      options.days,
      now,
    );
  }

  async byModel(options: { since: string }): Promise<ModelSummary[]> {
    const rows = await this.db.all(
      // Grouping by an expression keeps SQLite on the covering calls_by_time_covering index.
      `SELECT min(model) AS model, count(*) AS calls, sum(input_tokens) AS input, sum(output_tokens) AS output,
              sum(coalesce(cost_usd, 0)) AS cost FROM calls
       WHERE created_ms >= ? AND model IS NOT NULL GROUP BY coalesce(model, '') ORDER BY cost DESC, calls DESC`,
      [Date.parse(options.since)],
    );
    return rows.map((r) => ({
      model: String(r.model),
      calls: num(r.calls),
      input_tokens: num(r.input),
      output_tokens: num(r.output),
      cost_usd: num(r.cost),
    }));
  }

  async routes(options: { since: string }): Promise<RouteSummary[]> {
    const rows = await this.db.all(
      `SELECT route_id, min(route_label) AS label, count(*) AS calls, sum(input_tokens) AS input,
              sum(coalesce(cost_usd, 0)) AS cost FROM calls
       WHERE created_ms >= ? AND route_id IS NOT NULL GROUP BY route_id ORDER BY cost DESC, calls DESC LIMIT 50`,
      [Date.parse(options.since)],
    );
    return rows.map((r) => ({
      id: String(r.route_id),
      label: String(r.label ?? ""),
      calls: num(r.calls),
      input_tokens: num(r.input),
      cost_usd: num(r.cost),
    }));
  }

  async chainCandidates(hashes: readonly string[]): Promise<ChainRow[]> {
    const found: ChainRow[] = [];
    for (let i = 0; i < hashes.length; i += 500) {
      const chunk = hashes.slice(i, i + 500);
      const rows = await this.db.all(
        `SELECT call_id AS id, session_id, turn, hash AS end_hash FROM chain_heads
         WHERE hash IN (${chunk.map(() => "?").join(", ")})`,
        [...chunk],
      );
      found.push(...rows.map(chainRow));
    }
    return found;
  }

  async callByResponseId(id: string): Promise<ChainRow | null> {
    const [row] = await this.db.all(
      "SELECT id, session_id, turn, end_hash FROM calls WHERE response_id = ? AND session_id IS NOT NULL LIMIT 1",
      [id],
    );
    return row ? chainRow(row) : null;
  }

  async runTurns(id: string): Promise<number> {
    const [row] = await this.db.all("SELECT max(turn) AS t FROM calls WHERE session_id = ?", [id]);
    return num(row?.t);
  }

  async runLinks(id: string): Promise<RunLinks | null> {
    const [row] = await this.db.all(
      "SELECT name, parent_run, parent_turn FROM sessions WHERE id = ?",
      [id],
    );
    if (!row) return null;
    return {
      name: row.name === null ? null : String(row.name),
      parent_run: row.parent_run === null ? null : String(row.parent_run),
      parent_turn: numOrNull(row.parent_turn),
    };
  }

  async addSpawns(spawns: readonly SpawnRow[]): Promise<void> {
    for (const s of spawns) {
      await this.db.all(
        `INSERT INTO spawns (id, session_key, prompt, run_id, turn, created_ms) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO NOTHING`,
        [s.id, s.key, s.prompt, s.runId, s.turn, s.createdMs],
      );
    }
  }

  async openSpawns(key: string): Promise<SpawnRow[]> {
    const rows = await this.db.all(
      `SELECT id, session_key, prompt, run_id, turn, created_ms FROM spawns
       WHERE session_key = ? AND claimed_by IS NULL ORDER BY created_ms, id LIMIT 100`,
      [key],
    );
    return rows.map((r) => ({
      id: String(r.id),
      key: String(r.session_key),
      prompt: String(r.prompt),
      runId: String(r.run_id),
      turn: num(r.turn),
      createdMs: num(r.created_ms),
    }));
  }

  async claimSpawn(id: string, runId: string): Promise<boolean> {
    const rows = await this.db.all(
      "UPDATE spawns SET claimed_by = ? WHERE id = ? AND claimed_by IS NULL RETURNING id",
      [runId, id],
    );
    return rows.length > 0;
  }

  async childCount(callId: string): Promise<number> {
    const [row] = await this.db.all("SELECT count(*) AS n FROM calls WHERE parent_id = ?", [
      callId,
    ]);
    return num(row?.n);
  }

  async spend(options: { since: string }): Promise<Spend> {
    const [row] = await this.db.all(
      `SELECT count(*) AS calls, sum(coalesce(cost_usd, 0)) AS cost, sum(coalesce(reclaimable_usd, 0)) AS reclaimable,
              min(created_at) AS first_at, max(created_at) AS last_at FROM calls WHERE created_ms >= ?`,
      [Date.parse(options.since)],
    );
    return {
      calls: num(row?.calls),
      cost_usd: num(row?.cost),
      reclaimable_usd: num(row?.reclaimable),
      first_at: row?.first_at ? String(row.first_at) : null,
      last_at: row?.last_at ? String(row.last_at) : null,
    };
  }

  async recordInstance(instance: Instance): Promise<void> {
    await this.db.all(
      `INSERT INTO instances (address, started_at) VALUES (?, ?)
       ON CONFLICT (address) DO UPDATE SET started_at = excluded.started_at`,
      [instance.address, instance.started_at],
    );
  }

  async latestInstance(): Promise<Instance | null> {
    const [row] = await this.db.all(
      "SELECT address, started_at FROM instances ORDER BY started_at DESC LIMIT 1",
    );
    return row ? { address: String(row.address), started_at: String(row.started_at) } : null;
  }

  async reset(): Promise<void> {
    await this.transaction(async (q) => {
      await q.all("DELETE FROM calls");
      await q.all("DELETE FROM sessions");
      await q.all("DELETE FROM chain_heads");
      await q.all("DELETE FROM call_text");
      await q.all("DELETE FROM component_days");
      await q.all("DELETE FROM spawns");
      await q.all("INSERT INTO resets (at) VALUES (?)", [Date.now()]);
      await q.all("DELETE FROM blocks");
    });
  }

  async lastReset(): Promise<number> {
    const [row] = await this.db.all("SELECT max(at) AS at FROM resets");
    return num(row?.at);
  }

  async health(): Promise<{ ok: boolean; error?: string }> {
    try {
      await this.db.all("SELECT 1 AS ok");
      return { ok: true };
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
  }
}

const HEADS_PER_UPSERT = 500;
const BLOCKS_PER_INSERT = 200;

/** Stores the blocks not stored yet (a block already stored is left as it is); returns the hashes it stored. */
async function insertBlocks(q: Querier, blocks: readonly Block[]): Promise<Set<string>> {
  if (blocks.length === 0) return new Set();
  const stored = new Set<string>();
  for (let i = 0; i < blocks.length; i += 500) {
    const chunk = blocks.slice(i, i + 500).map((b) => b.hash);
    const rows = await q.all(
      `SELECT hash FROM blocks WHERE hash IN (${chunk.map(() => "?").join(", ")})`,
      chunk,
    );
    for (const r of rows) stored.add(String(r.hash));
  }
  const missing = blocks.filter((b) => !stored.has(b.hash));
  for (let i = 0; i < missing.length; i += BLOCKS_PER_INSERT) {
    const chunk = missing.slice(i, i + BLOCKS_PER_INSERT);
    await q.all(
      `INSERT INTO blocks (hash, text, kind, label, tokens) VALUES ${
        chunk.map(() => "(?, ?, ?, ?, ?)").join(", ")
      } ON CONFLICT (hash) DO NOTHING`,
      chunk.flatMap((b) => [b.hash, b.text, b.kind, b.label, b.tokens]),
    );
  }
  return new Set(missing.map((b) => b.hash));
}

/** `count` comma-separated placeholders. */
function marks(count: number): string {
  return Array(count).fill("?").join(", ");
}

/**
 * Indexes the text analysed calls bring for search: each new block with the first call of the
 * batch that sent it. Runs in the write's transaction, in the store's worker or connection.
 */
async function indexText(
  q: Querier,
  calls: readonly StoredCall[],
  newBlocks: Set<string>,
): Promise<void> {
  const rows: string[] = [];
  for (const call of calls) {
    const text = indexedText(call, newBlocks);
    for (const b of call.blocks?.blocks ?? []) newBlocks.delete(b.hash);
    if (text.trim() !== "") rows.push(call.record.id, text);
  }
  for (let i = 0; i < rows.length; i += 200) {
    const chunk = rows.slice(i, i + 200);
    await q.all(
      `INSERT INTO call_text (call_id, body) VALUES ${
        Array(chunk.length / 2).fill("(?, ?)").join(", ")
      }`,
      chunk,
    );
  }
}

/** Adds analysed calls' prompt tokens per component to their UTC day's totals. */
async function addComponentDays(q: Querier, records: readonly CallRecord[]): Promise<void> {
  const totals = new Map<string, [string, string, number]>();
  for (const r of records) {
    const day = r.created_at.slice(0, 10);
    for (const c of r.attribution?.components ?? []) {
      const key = `${day}\u0000${c.name}`;
      const row = totals.get(key) ?? [day, c.name, 0];
      row[2] += c.tokens;
      totals.set(key, row);
    }
  }
  const rows = [...totals.values()];
  for (let i = 0; i < rows.length; i += 200) {
    const chunk = rows.slice(i, i + 200);
    await q.all(
      `INSERT INTO component_days (day, component, tokens) VALUES ${
        chunk.map(() => "(?, ?, ?)").join(", ")
      } ON CONFLICT (day, component) DO UPDATE SET tokens = component_days.tokens + excluded.tokens`,
      chunk.flat(),
    );
  }
}

/** Recomputes the summaries of runs that lost calls; a run with none left is deleted. */
async function refreshRuns(q: Querier, ids: readonly string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const marks = chunk.map(() => "?").join(", ");
    const first = (column: string, order: string) =>
      `(SELECT ${column} FROM calls c WHERE c.session_id = sessions.id ORDER BY c.created_ms ${order} LIMIT 1)`;
    await q.all(
      `UPDATE sessions SET
         calls = (SELECT count(*) FROM calls c WHERE c.session_id = sessions.id),
         cost_usd = (SELECT coalesce(sum(c.cost_usd), 0) FROM calls c WHERE c.session_id = sessions.id),
         first_at = coalesce(${first("created_at", "ASC")}, first_at),
         first_prompt_tokens = coalesce(${first("input_tokens", "ASC")}, 0),
         last_at = coalesce(${first("created_at", "DESC")}, last_at),
         last_prompt_tokens = coalesce(${first("input_tokens", "DESC")}, 0)
       WHERE id IN (${marks})`,
      [...chunk],
    );
    await q.all(`DELETE FROM sessions WHERE calls = 0 AND id IN (${marks})`, [...chunk]);
  }
}

/** The chain-head rows a batch of calls gives: one per hash, the latest call's. */
function chainHeads(calls: readonly StoredCall[]): SqlValue[][] {
  const latest = new Map<string, SqlValue[]>();
  for (const { record, endHash, looseHash } of calls) {
    if (record.session === null) continue;
    const at = Date.parse(record.created_at);
    for (const hash of [endHash, looseHash]) {
      if (!hash) continue;
      const seen = latest.get(hash);
      if (seen && (seen[4] as number) > at) continue;
      latest.set(hash, [hash, record.id, record.session.id, record.session.turn, at]);
    }
  }
  return [...latest.values()];
}

/** Upserts `count` chain heads, each kept only if it is newer than the stored one. */
function headsUpsertSql(count: number): string {
  return `INSERT INTO chain_heads (hash, call_id, session_id, turn, created_ms)
  VALUES ${Array.from({ length: count }, () => "(?, ?, ?, ?, ?)").join(", ")}
  ON CONFLICT (hash) DO UPDATE SET call_id = excluded.call_id, session_id = excluded.session_id,
    turn = excluded.turn, created_ms = excluded.created_ms
  WHERE excluded.created_ms >= chain_heads.created_ms`;
}

function chainRow(r: Row): ChainRow {
  return {
    callId: String(r.id),
    sessionId: String(r.session_id),
    turn: num(r.turn),
    endHash: r.end_hash === null ? null : String(r.end_hash),
  };
}

/**
 * The INSERT for `count` rows of calls. A stored unanalysed row is replaced; any other stored
 * row is left alone, so writing the same call twice changes nothing.
 */
export function insertCallsSql(count: number, placeholder: (n: number) => string): string {
  const width = CALL_COLUMNS.length;
  const values = Array.from(
    { length: count },
    (_, row) =>
      `(${
        Array.from({ length: width }, (_, col) => placeholder(row * width + col + 1)).join(", ")
      })`,
  );
  const update = CALL_COLUMNS.filter((c) => c !== "id").map((c) => `${c} = excluded.${c}`).join(
    ", ",
  );
  return `INSERT INTO calls (${CALL_COLUMNS.join(", ")}) VALUES ${values.join(", ")}
    ON CONFLICT (id) DO UPDATE SET ${update} WHERE calls.analysed = 0`;
}
