import type { ComponentChildren, FunctionComponent } from "preact";
import { COMPONENT_COLORS } from "../reports/format.ts";
import { LOCAL_PREFIX } from "../core/paths.ts";

/** Island instances rendered by this process: each gets its own id, so its props are its own. */
let rendered = 0;

/**
 * Renders an island on the server: its markup inside a marker, followed by its props as
 * JSON that cannot close the script element. islands/client.ts hydrates it in the browser;
 * two copies of an island on one page each keep their own props.
 */
export function Island<P extends object>(
  props: { name: string; component: FunctionComponent<P>; props: P },
) {
  const Component = props.component as FunctionComponent<P>;
  const id = `${props.name}-${++rendered}`;
  const json = JSON.stringify(props.props).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
  return (
    <>
      <div data-island={props.name} data-island-id={id}>
        <Component {...props.props} />
      </div>
      <script
        type="application/json"
        data-island-props={id}
        dangerouslySetInnerHTML={{ __html: json }}
      />
    </>
  );
}

/** A page: the shared head, navigation and the islands bundle. */
export function Layout(props: { title: string; active: string; children: ComponentChildren }) {
  const nav = [
    ["overview", "Overview", `${LOCAL_PREFIX}/`],
    ["calls", "Calls", `${LOCAL_PREFIX}/calls`],
    ["runs", "Runs", `${LOCAL_PREFIX}/runs`],
    ["trends", "Trends", `${LOCAL_PREFIX}/trends`],
  ];
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · llmprof`}</title>
        <link rel="stylesheet" href={`${LOCAL_PREFIX}/static/style.css`} />
        <link rel="icon" href="data:," />
      </head>
      <body>
        <header class="top">
          <a class="brand" href={`${LOCAL_PREFIX}/`}>llmprof</a>
          <nav aria-label="Pages">
            {nav.map(([key, label, href]) => (
              <a href={href} class={props.active === key ? "active" : undefined}>{label}</a>
            ))}
          </nav>
        </header>
        <main>{props.children}</main>
        <script type="module" src={`${LOCAL_PREFIX}/static/islands.js`}></script>
      </body>
    </html>
  );
}

/** The colour key of the eight components, shared by the flame graph and the timeline. */
export function ComponentLegend() {
  return (
    <div class="legend">
      {Object.entries(COMPONENT_COLORS).map(([name, color]) => (
        <span>
          <i style={{ background: color }} />
          {name}
        </span>
      ))}
    </div>
  );
}

/** A wide table's own sideways-scrolling box, reachable from the keyboard and named for screen readers. */
export function Scroll(props: { label: string; children: ComponentChildren }) {
  return (
    <div class="scroll" tabIndex={0} role="region" aria-label={props.label}>
      {props.children}
    </div>
  );
}
