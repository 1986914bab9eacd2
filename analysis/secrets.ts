import { lintSource } from "@secretlint/core";
import { creator as recommended } from "@secretlint/secretlint-rule-preset-recommend";
import { creator as pattern } from "@secretlint/secretlint-rule-pattern";

/**
 * The rules: secretlint's recommended preset (AWS, GitHub, OpenAI, Anthropic, Slack, private
 * keys, GCP, npm, Stripe, basic auth in URLs, database connection strings and more), with
 * AWS access key ids scanned too, and two patterns the preset leaves out, kept as data:
 * JSON Web Tokens and `password=` style assignments. Every pattern is anchored on a literal
 * and has bounded repetitions, so a scan is linear in the text.
 */
const CONFIG: Parameters<typeof lintSource>[0]["options"]["config"] = {
  rules: [
    {
      id: "@secretlint/secretlint-rule-preset-recommend",
      rule: recommended,
      rules: [{ id: "@secretlint/secretlint-rule-aws", options: { enableIDScanRule: true } }],
    },
    {
      id: "@secretlint/secretlint-rule-pattern",
      rule: pattern,
      options: {
        patterns: [
          {
            name: "jwt",
            patterns: [
              String
                .raw`/\beyJ[A-Za-z0-9_-]{8,4096}\.eyJ[A-Za-z0-9_-]{8,8192}\.[A-Za-z0-9_-]{8,4096}/`,
            ],
          },
          {
            name: "password",
            patterns: [
              String
                .raw`/\b(?:password|passwd|pwd|secret|api_?key)(?:\\?["'])?[ \t]{0,8}[:=][ \t]{0,8}(?:\\?["'])?[^\s"'\\,;&}]{4,256}/i`,
            ],
          },
        ],
      },
    },
  ],
};

/** A secret found in a text: where it is and what kind it is. */
export interface SecretMatch {
  start: number;
  end: number;
  /** Short rule name, e.g. `github`, `aws`, `jwt`, `password`. */
  kind: string;
}

/**
 * Texts are scanned in windows of this many characters, each overlapping the next by
 * {@linkcode OVERLAP}: the time per window is bounded, so a scan's time grows linearly with
 * the text however hostile it is (one rule set on one 1 MB text with many near-matches
 * took 18 s whole, the same text in windows well under a second; see bench/redaction.ts).
 */
const WINDOW = 32 * 1024;
/** Longest secret caught whole across a window's edge: private key blocks up to 8 KiB. */
const OVERLAP = 8 * 1024;

async function scan(text: string, offset: number, into: SecretMatch[]): Promise<void> {
  const result = await lintSource({
    source: { content: text, filePath: "/prompt.txt", contentType: "text" },
    options: { config: CONFIG, noPhysicFilePath: true },
  });
  for (const m of result.messages) {
    into.push({
      start: offset + m.range[0],
      end: offset + m.range[1],
      kind: m.ruleId === "@secretlint/secretlint-rule-pattern"
        ? (/^found matching (\w+)/.exec(m.message)?.[1] ?? "secret")
        : m.ruleId.replace("@secretlint/secretlint-rule-", ""),
    });
  }
}

/**
 * Finds the secrets in a text with the rule set above, in order; overlapping finds are
 * merged. `window` (characters, default 32 KiB) is for the bench to compare.
 */
export async function findSecrets(
  text: string,
  options: { window?: number } = {},
): Promise<SecretMatch[]> {
  const window = options.window ?? WINDOW;
  const found: SecretMatch[] = [];
  if (text.length <= window) await scan(text, 0, found);
  else {
    for (let start = 0; start < text.length - OVERLAP; start += window - OVERLAP) {
      await scan(text.slice(start, start + window), start, found);
    }
  }
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: SecretMatch[] = [];
  for (const match of found) {
    const last = merged.at(-1);
    if (last && match.start < last.end) last.end = Math.max(last.end, match.end);
    else merged.push({ ...match });
  }
  return merged;
}

/** Splits joined texts back apart; no secret rule matches across it (it holds no key character). */
const SEPARATOR = "\n\u0000\n";

/**
 * The texts with every secret replaced by `[REDACTED:kind]`, scanned in one pass. A match
 * that would span two texts is redacted in both.
 */
export async function redactSecrets(texts: readonly string[]): Promise<string[]> {
  const joined = texts.join(SEPARATOR);
  const matches = await findSecrets(joined);
  if (matches.length === 0) return [...texts];
  const out: string[] = [];
  let offset = 0;
  let m = 0;
  for (const text of texts) {
    const end = offset + text.length;
    let result = "";
    let at = offset;
    while (m < matches.length && matches[m].end <= offset) m++;
    for (let i = m; i < matches.length && matches[i].start < end; i++) {
      const match = matches[i];
      const from = Math.max(match.start, offset);
      result += joined.slice(at, from) + `[REDACTED:${match.kind}]`;
      at = Math.min(match.end, end);
    }
    out.push(result + joined.slice(at, end));
    offset = end + SEPARATOR.length;
  }
  return out;
}
