import { assert, assertAlmostEquals, assertEquals } from "../testing/assert.ts";
import { type Rect, squarify, treemap } from "./treemap.ts";

const area = (r: Rect) => r.w * r.h;
const inside = (r: Rect, box: Rect) =>
  r.x >= box.x - 1e-9 && r.y >= box.y - 1e-9 && r.x + r.w <= box.x + box.w + 1e-9 &&
  r.y + r.h <= box.y + box.h + 1e-9;
const overlap = (a: Rect, b: Rect) =>
  Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x)) *
  Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));

Deno.test("squarify gives each value an area in proportion, inside the box, without overlaps", () => {
  const box = { x: 0, y: 0, w: 600, h: 400 };
  const values = [6, 6, 4, 3, 2, 2, 1];
  const rects = squarify(values, box);
  const total = values.reduce((a, b) => a + b, 0);
  rects.forEach((r, i) => {
    assertAlmostEquals(area(r), (values[i] / total) * 600 * 400, 1e-6);
    assert(inside(r, box), `rect ${i} inside the box: ${JSON.stringify(r)}`);
  });
  for (let i = 0; i < rects.length; i++) {
    for (let j = i + 1; j < rects.length; j++) {
      assertAlmostEquals(overlap(rects[i], rects[j]), 0, 1e-6);
    }
  }
});

Deno.test("squarify keeps tiles close to square, as the paper's example does", () => {
  // Bruls et al.'s example: seven values on a 6 × 4 box end with no tile worse than 3:1.
  const rects = squarify([6, 6, 4, 3, 2, 2, 1], { x: 0, y: 0, w: 6, h: 4 });
  for (const r of rects) assert(Math.max(r.w / r.h, r.h / r.w) <= 3, JSON.stringify(r));
  // The first two sixes stack in one column on the left, 3 wide.
  assertAlmostEquals(rects[0].w, 3, 1e-9);
  assertAlmostEquals(rects[1].x, 0, 1e-9);
});

Deno.test("squarify returns empty tiles for zero values and keeps the input's order", () => {
  const rects = squarify([0, 3, 1], { x: 10, y: 20, w: 40, h: 10 });
  assertEquals(area(rects[0]), 0);
  assert(area(rects[1]) > area(rects[2]));
  assertEquals(squarify([0, 0], { x: 0, y: 0, w: 5, h: 5 }).map(area), [0, 0]);
});

Deno.test("a treemap nests each component's tools inside the component's tile", () => {
  const tree = {
    name: "context",
    tokens: 1000,
    children: [
      { name: "system prompt", tokens: 500, children: [] },
      {
        name: "tool schemas",
        tokens: 400,
        children: [
          { name: "get_weather", tokens: 250, children: [] },
          { name: "read_file", tokens: 150, children: [] },
        ],
      },
      { name: "user input", tokens: 100, children: [] },
      { name: "images & files", tokens: 0, children: [] },
    ],
  };
  const box = { x: 0, y: 0, w: 1000, h: 400 };
  const tiles = treemap(tree, box, { header: 16, padding: 2 });
  assertEquals(tiles.map((t) => t.node.name), [
    "context",
    "system prompt",
    "tool schemas",
    "get_weather",
    "read_file",
    "user input",
  ]);
  const schemas = tiles.find((t) => t.node.name === "tool schemas")!;
  assertAlmostEquals(area(schemas), 0.4 * 1000 * 400, 1e-6);
  for (const tool of tiles.filter((t) => t.depth === 2)) {
    assert(inside(tool, schemas), `${tool.node.name} inside tool schemas`);
    assert(tool.y >= schemas.y + 16 - 1e-9, "below the header that labels its component");
    assertEquals(tool.path, ["context", "tool schemas", tool.node.name]);
  }
  const [weather, read] = tiles.filter((t) => t.depth === 2);
  assertAlmostEquals(area(weather) / area(read), 250 / 150, 1e-6);
});
