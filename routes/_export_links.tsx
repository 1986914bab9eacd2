import { FORMATS } from "../export/mod.ts";
import { exportHref } from "./api/export.ts";

/** Download buttons for a call or run, one per export format (docs/export.md). */
export function ExportLinks(props: { selection: { call: string } | { run: string } }) {
  return (
    <p class="export-links">
      Download the {"call" in props.selection ? "call" : "run"} as
      {FORMATS.map((format) => (
        <a key={format} href={exportHref(format, props.selection)} download data-export={format}>
          {format}
        </a>
      ))}
    </p>
  );
}
