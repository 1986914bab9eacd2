/** Payloads shorter than this are kept. */
const MIN_ELIDED = 256;
/** What comes right before a payload: a data URL's marker, or a JSON field that holds base64. */
const MARKERS = [";base64,", '"data":"', '"file_data":"', '"image_data":"', '"b64_json":"'];

function isBase64Char(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || (code >= 48 && code <= 57) ||
    code === 43 || code === 47 || code === 61;
}

/** Where a run of base64 characters starting at `from` ends. */
function base64End(text: string, from: number): number {
  let end = from;
  while (end < text.length && isBase64Char(text.charCodeAt(end))) end++;
  return end;
}

function note(chars: number): string {
  return `[${Math.round((chars * 3) / 4 / 1024)} KiB elided]`;
}

/**
 * A request's text with long base64 payloads (data URLs, Anthropic `data`, OpenAI
 * `file_data`) replaced by a short note of their size, so stored prompts stay readable.
 * One linear pass: no regular expression backtracks over a 20 MB payload.
 */
export function elideBase64(text: string): string {
  let out = "";
  let copied = 0;
  let at = 0;
  // Each marker's next position, searched again only once passed: linear overall.
  const next = MARKERS.map((m) => text.indexOf(m));
  for (;;) {
    let pick = -1;
    for (let i = 0; i < MARKERS.length; i++) {
      if (next[i] >= 0 && next[i] < at) next[i] = text.indexOf(MARKERS[i], at);
      if (next[i] >= 0 && (pick < 0 || next[i] < next[pick])) pick = i;
    }
    if (pick < 0) break;
    const start = next[pick] + MARKERS[pick].length;
    const end = base64End(text, start);
    if (end - start >= MIN_ELIDED) {
      out += text.slice(copied, start) + note(end - start);
      copied = end;
    }
    at = Math.max(end, start);
  }
  return copied === 0 ? text : out + text.slice(copied);
}
