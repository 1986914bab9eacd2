import type { CallRecord, ComponentName } from "../core/record.ts";
import { type TurnDiff, turnDiff } from "../correlate/turn_diff.ts";
import type { BaseStore, RunTurn } from "../store/contract.ts";

/** The average dollars per input token a call paid, or null when unpriced. */
function inputRate(
  record: { cost: CallRecord["cost"]; usage: CallRecord["usage"] },
): number | null {
  const usd = record.cost?.input_usd ?? null;
  const tokens = record.usage?.input_tokens ?? 0;
  return usd === null || tokens === 0 ? null : usd / tokens;
}

/** The call before this one in its run: its parent, or else the turn before it; null for a first turn. */
async function previousCall(store: BaseStore, record: CallRecord): Promise<string | null> {
  if (!record.session) return null;
  if (record.session.parent_id) return record.session.parent_id;
  const turns = await store.getRun(record.session.id);
  const before = turns.filter((t) => t.turn < record.session!.turn).at(-1);
  return before?.call_id ?? null;
}

/** What a call added and removed against the previous turn of its run, or null for a first turn (or a call stored as whole text). */
export async function callDiff(store: BaseStore, record: CallRecord): Promise<TurnDiff | null> {
  const previousId = await previousCall(store, record);
  if (previousId === null) return null;
  const [previous, blocks] = await Promise.all([
    store.getCall(previousId),
    store.callBlocks([previousId, record.id]),
  ]);
  if (!previous || !blocks[previousId] || !blocks[record.id]) return null;
  return turnDiff(
    { blocks: blocks[previousId], components: previous.record.attribution?.components ?? [] },
    { blocks: blocks[record.id], components: record.attribution?.components ?? [] },
    { previousId, usdPerToken: inputRate(record) },
  );
}

/** Each turn's diff against the turn before it, by call id (first turns left out); in tokens, for the runs page. */
export async function runDiffs(
  store: BaseStore,
  turns: readonly RunTurn[],
): Promise<Map<string, TurnDiff>> {
  const blocks = await store.callBlocks(turns.map((t) => t.call_id));
  const out = new Map<string, TurnDiff>();
  const components = (t: RunTurn) =>
    Object.entries(t.components).map(([name, tokens]) => ({
      name: name as ComponentName,
      tokens,
      cost_usd: null,
    }));
  for (let i = 1; i < turns.length; i++) {
    const [before, now] = [turns[i - 1], turns[i]];
    if (!blocks[before.call_id] || !blocks[now.call_id]) continue;
    out.set(
      now.call_id,
      turnDiff(
        { blocks: blocks[before.call_id], components: components(before) },
        { blocks: blocks[now.call_id], components: components(now) },
        { previousId: before.call_id, usdPerToken: null },
      ),
    );
  }
  return out;
}
