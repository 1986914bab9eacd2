import { useEffect, useRef } from "preact/hooks";
import * as Plot from "@observablehq/plot";
import { labelledParts } from "./_plot.ts";
import type { DaySummary } from "../store/contract.ts";
import { tokens, usd } from "../reports/format.ts";

/** Cost per day. */
export interface CostChartProps {
  daily: DaySummary[];
}

/** Cost per day as bars, with calls in the tooltip. */
export default function CostChart(props: CostChartProps) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const chart = Plot.plot({
      width: Math.max(480, ref.current!.clientWidth),
      height: 240,
      marginLeft: 60,
      x: { type: "band", label: "day", tickFormat: (d: string) => d.slice(5) },
      y: { label: "cost (USD)", grid: true },
      marks: [
        Plot.barY(props.daily, {
          x: "day",
          y: "cost_usd",
          fill: "#3366cc",
          title: (d: DaySummary) =>
            `${d.day}\n${usd(d.cost_usd)} · ${tokens(d.calls)} calls · ${tokens(d.tokens)} tokens`,
        }),
        Plot.ruleY([0]),
      ],
    });
    labelledParts(chart);
    ref.current!.replaceChildren(chart);
    return () => chart.remove();
  }, [props.daily]);
  return (
    <div class="chart" ref={ref} data-cost-chart>
      <p class="muted">{props.daily.length} days</p>
    </div>
  );
}
