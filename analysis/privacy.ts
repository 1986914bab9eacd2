import type { Analysis } from "./analysis.ts";
import type { Finding, Privacy } from "../core/record.ts";

/** JSON fields whose values are credentials, whatever the privacy level (compared without `-`, `_` and case). */
const SECRET_FIELDS = new Set([
  "apikey",
  "xapikey",
  "authorization",
  "password",
  "passwd",
  "secret",
  "clientsecret",
  "token",
  "accesstoken",
  "refreshtoken",
  "idtoken",
  "authtoken",
  "bearertoken",
  "privatekey",
  "sessiontoken",
]);

/** Replaces a credential found by its field name. */
export const REDACTED_FIELD = "[REDACTED:field]";

/** A quick look for a secret field name anywhere, nested JSON strings included, before parsing. */
const MAYBE_SECRET_FIELD =
  /\\?"(?:[a-z_-]*(?:api[_-]?key|authorization|passw(?:or)?d|secret|token|private[_-]?key))\\?"\s*:/i;

function isSecretField(name: string): boolean {
  return SECRET_FIELDS.has(name.replace(/[-_]/g, "").toLowerCase());
}

/**
 * Replaces the value of every credential field (`api_key`, `authorization`, `password`,
 * `secret`, `token`…) at any depth, also inside strings that hold JSON (tool call
 * arguments). Returns whether anything was replaced; `value` is changed in place.
 */
export function redactFields(value: unknown): boolean {
  let changed = false;
  const walk = (node: unknown): unknown => {
    if (typeof node === "string") {
      const nested = redactJsonText(node);
      if (nested !== node) changed = true;
      return nested;
    }
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) node[i] = walk(node[i]);
      return node;
    }
    if (node !== null && typeof node === "object") {
      const object = node as Record<string, unknown>;
      for (const key of Object.keys(object)) {
        if (isSecretField(key) && object[key] !== null && typeof object[key] !== "object") {
          object[key] = REDACTED_FIELD;
          changed = true;
        } else object[key] = walk(object[key]);
      }
    }
    return node;
  };
  walk(value);
  return changed;
}

/** A JSON text with its credential fields redacted; the same string when it has none or is not JSON. */
export function redactJsonText(text: string): string {
  const trimmed = text.trimStart();
  if ((trimmed[0] !== "{" && trimmed[0] !== "[") || !MAYBE_SECRET_FIELD.test(text)) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text;
  }
  return redactFields(parsed) ? JSON.stringify(parsed) : text;
}

/** Redacts secrets in many texts at once (see analysis/secrets.ts). */
export type SecretRedactor = (texts: readonly string[]) => Promise<string[]>;

/**
 * Makes an analysis fit to store at a privacy level, before anything is written: credential
 * fields are redacted at every level; `redact` replaces secrets in every stored text (and in
 * the prompt outline later turns are compared with); `metadata` keeps no prompt or response
 * text at all, only counts, components, costs, findings and tool names. Changes `analysis`.
 */
export async function protect(
  analysis: Analysis,
  level: Privacy,
  options: { redactSecrets: SecretRedactor },
): Promise<Analysis> {
  const { record } = analysis;
  record.privacy = level;
  const response = record.response;
  if (level === "metadata") {
    analysis.request = null;
    if (response) {
      response.text = "";
      response.thinking = "";
      for (const call of response.tool_calls) call.arguments = "";
    }
    if (record.route) record.route.label = metadataRouteLabel(record.route.label);
    record.findings = withoutText(record.findings);
    // A run's name quotes its first user message: under metadata it names the client only.
    if (analysis.agent) analysis.agent.opening = null;
    return analysis;
  }
  if (analysis.request !== null) analysis.request = redactJsonText(analysis.request);
  if (response) {
    for (const call of response.tool_calls) call.arguments = redactJsonText(call.arguments);
  }
  if (level === "full") return analysis;

  // One scan over every stored text, and the outline cache diagnosis quotes from.
  let body: unknown = undefined;
  const strings: Array<{ get(): string; set(text: string): void }> = [];
  if (analysis.request !== null) {
    try {
      body = JSON.parse(analysis.request);
      collectStrings(body, strings);
    } catch {
      strings.push({ get: () => analysis.request!, set: (t) => (analysis.request = t) });
    }
  }
  if (response) {
    strings.push({ get: () => response.text, set: (t) => (response.text = t) });
    strings.push({ get: () => response.thinking, set: (t) => (response.thinking = t) });
    for (const call of response.tool_calls) {
      strings.push({ get: () => call.arguments, set: (t) => (call.arguments = t) });
    }
  }
  const route = record.route;
  if (route) strings.push({ get: () => route.label, set: (t) => (route.label = t) });
  const agent = analysis.agent;
  if (agent?.opening) strings.push({ get: () => agent.opening!, set: (t) => (agent.opening = t) });
  for (const finding of record.findings) {
    strings.push({ get: () => finding.detail, set: (t) => (finding.detail = t) });
    const change = finding.change;
    if (change) {
      strings.push({ get: () => change.before, set: (t) => (change.before = t) });
      strings.push({ get: () => change.after, set: (t) => (change.after = t) });
    }
  }
  for (const block of analysis.facts?.outline ?? []) {
    strings.push({ get: () => block.text, set: (t) => (block.text = t) });
  }
  const redacted = await options.redactSecrets(strings.map((s) => s.get()));
  let changed = false;
  strings.forEach((s, i) => {
    if (redacted[i] !== s.get()) {
      s.set(redacted[i]);
      changed = true;
    }
  });
  if (changed && body !== undefined) analysis.request = JSON.stringify(body);
  return analysis;
}

function collectStrings(
  node: unknown,
  into: Array<{ get(): string; set(text: string): void }>,
): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => {
      if (typeof item === "string") into.push({ get: () => node[i], set: (t) => (node[i] = t) });
      else collectStrings(item, into);
    });
  } else if (node !== null && typeof node === "object") {
    const object = node as Record<string, unknown>;
    for (const key of Object.keys(object)) {
      if (typeof object[key] === "string") {
        into.push({ get: () => object[key] as string, set: (t) => (object[key] = t) });
      } else collectStrings(object[key], into);
    }
  }
}

/** A route's label without the start of its system prompt: only its tool count stays. */
function metadataRouteLabel(label: string): string {
  const tools = / · (\d+ tools?)$/.exec(label);
  return tools ? `(text not stored) · ${tools[1]}` : "(text not stored)";
}

/**
 * Findings with no quoted prompt text: cache-break excerpts dropped. For calls stored under
 * `metadata`, including findings added across calls after analysis.
 */
export function withoutText(findings: Finding[]): Finding[] {
  return findings.map((finding) => {
    const change = finding.change;
    if (!change) return finding;
    const quoted = `“${change.before}” became “${change.after}”`;
    return {
      ...finding,
      detail: finding.detail.replace(quoted, "the text changed"),
      change: { ...change, before: "", after: "" },
    };
  });
}
