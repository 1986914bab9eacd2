/**
 * A squarified treemap (Bruls, Huizing and van Wijk): rectangles whose areas are their
 * values and whose sides stay close to square. Pure: numbers in, rectangles out.
 * @module
 */
import type { TreeNode } from "../core/record.ts";

/** A rectangle in the layout's own units. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** One tile of a treemap: a node of the tree, where it sits and how deep. */
export interface Tile extends Rect {
  node: TreeNode;
  /** Names from the root down to this node. */
  path: string[];
  depth: number;
}

/** The worst aspect ratio of a row of areas laid along a side of this length. */
function worst(row: readonly number[], side: number): number {
  const sum = row.reduce((a, b) => a + b, 0);
  const max = Math.max(...row);
  const min = Math.min(...row);
  return Math.max((side * side * max) / (sum * sum), (sum * sum) / (side * side * min));
}

/**
 * Splits a rectangle into one rectangle per value, each with area in proportion to its
 * value, larger values first and as square as the row allows. The result is in the
 * values' order; a zero or negative value gets an empty rectangle.
 */
export function squarify(values: readonly number[], rect: Rect): Rect[] {
  const out: Rect[] = values.map(() => ({ x: rect.x, y: rect.y, w: 0, h: 0 }));
  const total = values.reduce((a, v) => a + Math.max(0, v), 0);
  if (total <= 0 || rect.w <= 0 || rect.h <= 0) return out;
  const scale = (rect.w * rect.h) / total;
  const order = values.map((v, i) => ({ i, area: Math.max(0, v) * scale }))
    .filter((e) => e.area > 0).sort((a, b) => b.area - a.area);
  let { x, y, w, h } = rect;
  let row: typeof order = [];
  const place = () => {
    const sum = row.reduce((a, e) => a + e.area, 0);
    if (w >= h) {
      // A column along the left edge, as wide as its area needs.
      const width = sum / h;
      let at = y;
      for (const e of row) {
        const height = e.area / width;
        out[e.i] = { x, y: at, w: width, h: height };
        at += height;
      }
      x += width;
      w -= width;
    } else {
      // A row along the top edge.
      const height = sum / w;
      let at = x;
      for (const e of row) {
        const width = e.area / height;
        out[e.i] = { x: at, y, w: width, h: height };
        at += width;
      }
      y += height;
      h -= height;
    }
    row = [];
  };
  for (const e of order) {
    const side = Math.min(w, h);
    const areas = row.map((r) => r.area);
    if (row.length === 0 || worst([...areas, e.area], side) <= worst(areas, side)) {
      row.push(e);
    } else {
      place();
      row.push(e);
    }
  }
  if (row.length > 0) place();
  return out;
}

/**
 * Lays out a whole tree: each node's children share its tile, below a header of
 * `header` units where the tile is tall enough to label. Returns every tile with tokens,
 * parents before children.
 */
export function treemap(
  tree: TreeNode,
  rect: Rect,
  options: { header?: number; padding?: number } = {},
): Tile[] {
  const header = options.header ?? 0;
  const padding = options.padding ?? 0;
  const tiles: Tile[] = [];
  const walk = (node: TreeNode, at: Rect, path: string[], depth: number) => {
    tiles.push({ ...at, node, path, depth });
    const kids = node.children.filter((c) => c.tokens > 0);
    if (kids.length === 0) return;
    const top = depth > 0 && at.h > header * 2 ? header : 0;
    const inner = {
      x: at.x + (depth > 0 ? padding : 0),
      y: at.y + top,
      w: at.w - (depth > 0 ? 2 * padding : 0),
      h: at.h - top - (depth > 0 ? padding : 0),
    };
    if (inner.w <= 0 || inner.h <= 0) return;
    // Children cover their share of the parent's tokens; what the children leave out stays the parent's.
    const rest = Math.max(0, node.tokens - kids.reduce((n, c) => n + c.tokens, 0));
    const rects = squarify([...kids.map((c) => c.tokens), rest], inner);
    kids.forEach((child, i) => walk(child, rects[i], [...path, child.name], depth + 1));
  };
  walk(tree, rect, [tree.name], 0);
  return tiles;
}
