import { useState } from "preact/hooks";
import FlameGraph, { type FlameGraphProps } from "./FlameGraph.tsx";
import Treemap from "./Treemap.tsx";

const VIEWS = [["flame", "Flame graph"], ["treemap", "Treemap"]] as const;

/** The attribution tree two ways, flame graph or treemap, with a toggle between them. */
export default function PromptViews(props: FlameGraphProps) {
  const [view, setView] = useState<"flame" | "treemap">("flame");
  return (
    <div class="prompt-views" data-view={view}>
      <div class="toggle" role="group" aria-label="How to show the prompt">
        {VIEWS.map(([key, label]) => (
          <button
            type="button"
            data-view-button={key}
            aria-pressed={view === key}
            onClick={() => setView(key)}
          >
            {label}
          </button>
        ))}
      </div>
      {view === "flame" ? <FlameGraph {...props} /> : <Treemap {...props} />}
    </div>
  );
}
