import { renderToString } from "preact-render-to-string";
import { assert, assertEquals } from "../testing/assert.ts";
import { Island } from "./_island.tsx";

function Counter(props: { start: number }) {
  return <b>{props.start}</b>;
}

Deno.test("two copies of an island on one page each keep their own props", () => {
  const html = renderToString(
    <div>
      <Island name="Counter" component={Counter} props={{ start: 1 }} />
      <Island name="Counter" component={Counter} props={{ start: 2 }} />
    </div>,
  );
  const roots = [...html.matchAll(/data-island="Counter" data-island-id="([^"]+)"/g)].map((m) =>
    m[1]
  );
  assertEquals(roots.length, 2);
  assert(roots[0] !== roots[1], "each copy has its own id");
  const props = roots.map((id) =>
    JSON.parse(new RegExp(`data-island-props="${id}">([^<]*)<`).exec(html)![1])
  );
  assertEquals(props, [{ start: 1 }, { start: 2 }]);
});
