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
import PromptViews from "./PromptViews.tsx";
import CopyCurl from "./CopyCurl.tsx";

const ISLANDS: Record<string, FunctionComponent<never>> = {
  CallsTable: CallsTable as FunctionComponent<never>,
  CostChart: CostChart as FunctionComponent<never>,
  FlameGraph: FlameGraph as FunctionComponent<never>,
  Overview: Overview as FunctionComponent<never>,
  RunTimeline: RunTimeline as FunctionComponent<never>,
  PromptViews: PromptViews as FunctionComponent<never>,
  CopyCurl: CopyCurl as FunctionComponent<never>,
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
// A table that scrolls sideways on its own (a narrow screen) can be scrolled from the keyboard.
for (const table of document.querySelectorAll<HTMLElement>("main table")) {
  if (table.scrollWidth > table.clientWidth && !table.closest(".scroll")) table.tabIndex = 0;
}
// Tests (and anyone waiting on the page) know the islands are live once this is set.
document.documentElement.dataset.hydrated = "true";
