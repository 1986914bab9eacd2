import { useEffect, useRef, useState } from "preact/hooks";
import * as Plot from "@observablehq/plot";
import { labelledParts } from "./_plot.ts";
import type { RunTurn } from "../store/contract.ts";
import { COMPONENT_COLORS, percent, tokens, usd } from "../reports/format.ts";
import { LOCAL_PREFIX } from "../core/paths.ts";
import { coalesced, onStoredCall } from "./live.ts";

/** A run's turns, each with its prompt split by component. */
export interface RunTimelineProps {
  turns: RunTurn[];
  /** Per turn, what it added and removed against the turn before (from block hashes); null for a first turn. */
  deltas?: Array<string | null>;
  /** The run's id: given, the timeline grows as the run's new turns are stored. */
  runId?: string;
  /** The turn whose context jumped most, called out on the chart. */
  jumpTurn?: number | null;
  /** Per turn, its call page: a bar opens it. */
  hrefs?: string[];
}

/** Above this many turns the per-turn cost labels would overlap, so only the tip has them. */
const LABELLED_TURNS = 30;

/**
 * One stacked bar per turn, split by component: how the context grew. A dashed outline
 * marks what the provider read from its cache; each bar opens its turn's call.
 */
export default function RunTimeline(props: RunTimelineProps) {
  const ref = useRef<HTMLDivElement>(null);
  const [turns, setTurns] = useState(props.turns);
  useEffect(() => {
    const id = props.runId;
    if (id === undefined) return;
    const load = coalesced(async () => {
      const response = await fetch(`${LOCAL_PREFIX}/api/runs/${encodeURIComponent(id)}`);
      if (response.ok) setTurns((await response.json()).turns);
    });
    return onStoredCall((event) => {
      if (event === null || event.session_id === id) load();
    });
  }, [props.runId]);
  useEffect(() => {
    const rows = turns.flatMap((t, i) =>
      Object.entries(t.components).filter(([, n]) => n > 0).map(([component, n]) => ({
        index: i + 1,
        turn: t.turn,
        component,
        tokens: n,
        cost: t.cost_usd,
        cached: t.cache_read_tokens,
        prompt: t.prompt_tokens,
        delta: props.deltas?.[i] ?? null,
      }))
    );
    type Row = typeof rows[number];
    const perTurn = turns.map((t, i) => ({
      index: i + 1,
      turn: t.turn,
      prompt: t.prompt_tokens,
      cached: t.cache_read_tokens ?? 0,
      cost: t.cost_usd,
    }));
    const jump = perTurn.filter((t) => t.turn === props.jumpTurn);
    const chart = Plot.plot({
      width: Math.max(480, ref.current!.clientWidth),
      height: 340,
      marginLeft: 60,
      marginTop: 30,
      x: { type: "band", label: "turn" },
      y: { label: "prompt tokens", grid: true },
      color: { domain: Object.keys(COMPONENT_COLORS), range: Object.values(COMPONENT_COLORS) },
      marks: [
        Plot.barY(rows, {
          x: "index",
          y: "tokens",
          fill: "component",
          href: (d: Row) => props.hrefs?.[d.index - 1] ?? null,
          ariaLabel: (d: Row) => `turn ${d.turn} ${d.component}`,
          title: (d: Row) =>
            `turn ${d.turn}\n${d.component}: ${tokens(d.tokens)} tokens\nread from cache: ${
              tokens(d.cached)
            } (${d.prompt > 0 ? percent(d.cached / d.prompt) : "—"})\nturn cost ${usd(d.cost)}${
              d.delta ? `\nagainst the turn before: ${d.delta}` : ""
            }\nclick to open the call`,
        }),
        // What the provider served from its cache: the prompt's bottom, outlined.
        Plot.barY(perTurn.filter((t) => t.cached > 0), {
          x: "index",
          y1: 0,
          y2: "cached",
          fill: "none",
          stroke: "currentColor",
          strokeWidth: 1.5,
          strokeDasharray: "4,3",
          inset: 1,
          ariaLabel: () => "read from cache",
        }),
        turns.length <= LABELLED_TURNS
          ? Plot.text(perTurn, {
            x: "index",
            y: "prompt",
            text: (d: typeof perTurn[number]) => usd(d.cost),
            dy: -7,
            fontSize: 10,
            fill: "currentColor",
          })
          : null,
        Plot.text(jump, {
          x: "index",
          y: "prompt",
          text: () => "▲ biggest jump",
          dy: -19,
          fontSize: 11,
          fontWeight: 600,
          fill: "currentColor",
        }),
        Plot.ruleY([0]),
      ],
    });
    chart.setAttribute("data-turns", String(turns.length));
    labelledParts(chart);
    ref.current!.replaceChildren(chart);
    return () => chart.remove();
  }, [turns, props.deltas, props.jumpTurn, props.hrefs]);
  return (
    <div class="chart" ref={ref} data-timeline>
      <p class="muted">{turns.length} turns</p>
    </div>
  );
}
