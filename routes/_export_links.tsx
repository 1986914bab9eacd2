import { FORMATS } from "../export/mod.ts";
import { exportHref } from "./api/export.ts";

/** Download links for a call or run, one per export format (docs/export.md). */
export function ExportLinks(props: { selection: { call: string } | { run: string } }) {
  return (
    <p class="export-links">
      Download: {FORMATS.map((format, i) => (
        <>
          {i > 0 ? " · " : ""}
          <a href={exportHref(format, props.selection)} download data-export={format}>{format}</a>
        </>
      ))}
    </p>
  );
}
