import { useEffect, useRef, useState } from "preact/hooks";
import * as Plot from "@observablehq/plot";
import type { RunTurn } from "../store/contract.ts";
import { COMPONENT_COLORS, tokens, usd } from "../reports/format.ts";
import { LOCAL_PREFIX } from "../core/paths.ts";
import { coalesced, onStoredCall } from "./live.ts";

/** A run's turns, each with its prompt split by component. */
export interface RunTimelineProps {
  turns: RunTurn[];
  /** Per turn, what it added and removed against the turn before (from block hashes); null for a first turn. */
  deltas?: Array<string | null>;
  /** The run's id: given, the timeline grows as the run's new turns are stored. */
  runId?: string;
}

/** One stacked bar per turn, split by component: how the context grew. */
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
        delta: props.deltas?.[i] ?? null,
      }))
    );
    const chart = Plot.plot({
      width: Math.max(480, ref.current!.clientWidth),
      height: 320,
      marginLeft: 60,
      x: { type: "band", label: "turn" },
      y: { label: "prompt tokens", grid: true },
      color: { domain: Object.keys(COMPONENT_COLORS), range: Object.values(COMPONENT_COLORS) },
      marks: [
        Plot.barY(rows, {
          x: "index",
          y: "tokens",
          fill: "component",
          title: (
            d: {
              turn: number;
              component: string;
              tokens: number;
              cost: number | null;
              delta: string | null;
            },
          ) =>
            `turn ${d.turn}\n${d.component}: ${tokens(d.tokens)} tokens\nturn cost ${usd(d.cost)}${
              d.delta ? `\nagainst the turn before: ${d.delta}` : ""
            }`,
        }),
        Plot.ruleY([0]),
      ],
    });
    chart.setAttribute("data-turns", String(turns.length));
    ref.current!.replaceChildren(chart);
    return () => chart.remove();
  }, [turns, props.deltas]);
  return (
    <div class="chart" ref={ref} data-timeline>
      <p class="muted">{turns.length} turns</p>
    </div>
  );
}
