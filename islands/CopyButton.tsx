import { useState } from "preact/hooks";

/** The element whose text the button copies, and the button's words. */
export interface CopyButtonProps {
  target: string;
  label: string;
}

/** Copies an element's text to the clipboard; where the clipboard is refused, selects it to copy by hand. */
export default function CopyButton(props: CopyButtonProps) {
  const [state, setState] = useState<"idle" | "copied" | "selected">("idle");
  const copy = async () => {
    const element = document.getElementById(props.target);
    if (!element) return;
    try {
      await navigator.clipboard.writeText(element.textContent ?? "");
      setState("copied");
    } catch {
      const range = document.createRange();
      range.selectNodeContents(element);
      getSelection()?.removeAllRanges();
      getSelection()?.addRange(range);
      setState("selected");
    }
  };
  return (
    <button type="button" class="copy" data-copy={props.target} onClick={copy}>
      {state === "copied"
        ? "Copied"
        : state === "selected"
        ? "Selected: press Ctrl+C to copy"
        : props.label}
    </button>
  );
}
