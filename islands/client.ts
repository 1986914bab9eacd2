/**
 * The browser entry: hydrates every island the server rendered, from the props it left
 * beside it. Bundled by `deno task build` into static/build/islands.js.
 * @module
 */
import { h, hydrate } from "preact";
import type { FunctionComponent } from "preact";
import CallsTable from "./CallsTable.tsx";
import CostChart from "./CostChart.tsx";
import FlameGraph from "./FlameGraph.tsx";
import Overview from "./Overview.tsx";
import RunTimeline from "./RunTimeline.tsx";

const ISLANDS: Record<string, FunctionComponent<never>> = {
  CallsTable: CallsTable as FunctionComponent<never>,
  CostChart: CostChart as FunctionComponent<never>,
  FlameGraph: FlameGraph as FunctionComponent<never>,
  Overview: Overview as FunctionComponent<never>,
  RunTimeline: RunTimeline as FunctionComponent<never>,
};

for (const root of document.querySelectorAll<HTMLElement>("[data-island]")) {
  const name = root.dataset.island!;
  const script = document.querySelector(
    `script[data-island-props="${CSS.escape(root.dataset.islandId ?? "")}"]`,
  );
  const component = ISLANDS[name];
  if (!component || !script) continue;
  hydrate(h(component, JSON.parse(script.textContent ?? "{}")), root);
  // Browser tests wait for this rather than for the network to go quiet (the live feed never does).
  root.dataset.hydrated = "true";
}
