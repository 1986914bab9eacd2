import { useState } from "preact/hooks";
import type { Provider } from "../core/call.ts";
import { curlCommand } from "../reports/curl.ts";

/** Where the stored request is served, and what the command needs to send it again. */
export interface CopyCurlProps {
  /** The request's JSON download (`/_llmprof/api/calls/:id/request`). */
  requestUrl: string;
  provider: Provider;
  path: string;
}

/**
 * Copies the stored request as a curl command (fetched on click, so the page does not carry the
 * body twice) and shows it; where the clipboard is refused, selects the text to copy by hand.
 */
export default function CopyCurl(props: CopyCurlProps) {
  const [text, setText] = useState<string | null>(null);
  const [state, setState] = useState<"idle" | "copied" | "selected" | "failed">("idle");
  const copy = async () => {
    const response = await fetch(props.requestUrl);
    if (!response.ok) {
      setState("failed");
      return;
    }
    const command = curlCommand(
      { provider: props.provider, path: props.path, request: await response.text() },
      { origin: location.origin },
    );
    setText(command);
    try {
      await navigator.clipboard.writeText(command);
      setState("copied");
    } catch {
      setState("selected");
      requestAnimationFrame(() => {
        const pre = document.querySelector("[data-curl]");
        if (!pre) return;
        const range = document.createRange();
        range.selectNodeContents(pre);
        getSelection()?.removeAllRanges();
        getSelection()?.addRange(range);
      });
    }
  };
  const label = {
    idle: "Copy as curl",
    copied: "Copied",
    selected: "Selected: press Ctrl+C to copy",
    failed: "The request could not be read",
  }[state];
  return (
    <div class="copy-curl">
      <button type="button" class="copy" data-copy-curl onClick={copy}>{label}</button>
      {text === null ? null : <pre data-curl>{text}</pre>}
    </div>
  );
}
