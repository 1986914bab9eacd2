import { useState } from "preact/hooks";
import type { TreeNode } from "../core/record.ts";
import { colorOf, frameLabel, tokens } from "../reports/format.ts";
import { frameTip } from "./_frames.ts";

/** The attribution tree and what each component cost. */
export interface FlameGraphProps {
  tree: TreeNode;
  costs: Record<string, number | null>;
}

interface Frame {
  node: TreeNode;
  path: string[];
  depth: number;
  /** Start and width as fractions of the focused frame. */
  x: number;
  w: number;
  /** The component this frame belongs to (itself at depth 1). */
  component: string | null;
}

function layout(focus: TreeNode, path: string[]): Frame[] {
  const frames: Frame[] = [];
  const total = focus.tokens || 1;
  const walk = (
    node: TreeNode,
    at: string[],
    x: number,
    depth: number,
    component: string | null,
  ) => {
    frames.push({ node, path: at, depth, x: x / total, w: node.tokens / total, component });
    let offset = x;
    for (const child of node.children) {
      walk(
        child,
        [...at, child.name],
        offset,
        depth + 1,
        depth === 0 && at.length === 1 ? child.name : component ?? node.name,
      );
      offset += child.tokens;
    }
  };
  walk(focus, path, 0, 0, path.length === 2 ? path[1] : null);
  return frames;
}

function find(tree: TreeNode, path: string[]): TreeNode {
  let node = tree;
  for (const name of path.slice(1)) node = node.children.find((c) => c.name === name) ?? node;
  return node;
}

/** An icicle of the prompt: width is tokens; hover for numbers, click to zoom, the breadcrumb zooms out. */
export default function FlameGraph(props: FlameGraphProps) {
  const [path, setPath] = useState<string[]>([props.tree.name]);
  const [tip, setTip] = useState<{ frame: Frame; left: number; top: number } | null>(null);
  const focus = find(props.tree, path);
  const frames = layout(focus, path);
  const rows = Math.max(...frames.map((f) => f.depth)) + 1;
  return (
    <div class="flame" onMouseLeave={() => setTip(null)}>
      <div class="crumbs">
        {path.map((name, i) => (
          <>
            {i > 0 && " › "}
            <button type="button" data-crumb={name} onClick={() => setPath(path.slice(0, i + 1))}>
              {name}
            </button>
          </>
        ))}
      </div>
      {Array.from({ length: rows }, (_, depth) => (
        <div class="row" key={depth}>
          {frames.filter((f) => f.depth === depth && f.w > 0).map((f) => (
            <div
              class="frame"
              data-frame={f.node.name}
              data-depth={f.path.length - 1}
              style={{
                left: `${(f.x * 100).toFixed(4)}%`,
                width: `${(f.w * 100).toFixed(4)}%`,
                background: colorOf(f.node.name, f.path[1]),
              }}
              onClick={() => f.node.children.length > 0 && setPath(f.path)}
              onMouseMove={(e) => {
                const box = (e.currentTarget.parentElement!.parentElement as HTMLElement)
                  .getBoundingClientRect();
                setTip({
                  frame: f,
                  left: e.clientX - box.left + 12,
                  top: e.clientY - box.top + 12,
                });
              }}
            >
              {frameLabel(f.path).text} {tokens(f.node.tokens)}
            </div>
          ))}
        </div>
      ))}
      {tip && (
        <div class="tip" style={{ left: `${tip.left}px`, top: `${tip.top}px` }}>
          {frameTip(props.tree, props.costs, {
            path: tip.frame.path,
            tokens: tip.frame.node.tokens,
          }).map((line, i) =>
            i === 0 ? <strong key={i}>{line}</strong> : <div key={i}>{line}</div>
          )}
        </div>
      )}
    </div>
  );
}
