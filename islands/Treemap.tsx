import { useEffect, useRef, useState } from "preact/hooks";
import type { TreeNode } from "../core/record.ts";
import { colorOf, frameLabel, tokens } from "../reports/format.ts";
import { treemap } from "../reports/treemap.ts";
import { frameTip } from "./_frames.ts";

/** The attribution tree and what each component cost, as the flame graph takes them. */
export interface TreemapProps {
  tree: TreeNode;
  costs: Record<string, number | null>;
}

const HEIGHT = 380;
/** Room at the top of a component's tile for its name. */
const HEADER = 18;

/** The prompt as nested rectangles: area is tokens, a component's tools inside its tile. */
export default function Treemap(props: TreemapProps) {
  const ref = useRef<HTMLDivElement>(null);
  // Laid out at a typical width on the server, then at the element's own once in the page.
  const [width, setWidth] = useState(1000);
  useEffect(() => {
    const measure = () => ref.current && setWidth(Math.max(200, ref.current.clientWidth));
    measure();
    addEventListener("resize", measure);
    return () => removeEventListener("resize", measure);
  }, []);
  const tiles = treemap(props.tree, { x: 0, y: 0, w: width, h: HEIGHT }, {
    header: HEADER,
    padding: 2,
  }).filter((t) => t.depth > 0 && t.w >= 1 && t.h >= 1);
  return (
    <div class="treemap" ref={ref} style={{ height: `${HEIGHT}px` }} data-treemap>
      {tiles.map((t) => {
        const label = frameLabel(t.path);
        const big = t.w > 48 && t.h > 16;
        return (
          <div
            class={`tile depth-${Math.min(t.depth, 3)}`}
            key={t.path.join("\u001f")}
            data-tile={t.node.name}
            data-depth={t.depth}
            title={frameTip(props.tree, props.costs, { path: t.path, tokens: t.node.tokens })
              .join("\n")}
            style={{
              left: `${((t.x / width) * 100).toFixed(4)}%`,
              top: `${t.y.toFixed(2)}px`,
              width: `${((t.w / width) * 100).toFixed(4)}%`,
              height: `${t.h.toFixed(2)}px`,
              background: colorOf(t.node.name, t.path[1]),
            }}
          >
            {big ? `${label.text} ${tokens(t.node.tokens)}` : null}
          </div>
        );
      })}
    </div>
  );
}
