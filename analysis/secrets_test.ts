import { assert, assertEquals } from "../testing/assert.ts";
import { findSecrets, redactSecrets } from "./secrets.ts";
import { hostileInputs, SECRETS } from "../tests/secrets.ts";

Deno.test("findSecrets catches each secret kind the privacy levels promise", async () => {
  const text = Object.values(SECRETS).join("\n\n");
  const kinds = new Set((await findSecrets(text)).map((m) => m.kind));
  for (
    const kind of ["aws", "github", "openai", "anthropic", "slack", "privatekey", "jwt", "password"]
  ) {
    assert(kinds.has(kind), `${kind} found among ${[...kinds]}`);
  }
});

Deno.test("redactSecrets replaces secrets in each text and keeps the rest", async () => {
  const [a, b, c] = await redactSecrets([
    `token ${SECRETS.github} here`,
    "nothing secret",
    `aws ${SECRETS.aws}`,
  ]);
  assertEquals(a, "token [REDACTED:github] here");
  assertEquals(b, "nothing secret");
  assertEquals(c, "aws [REDACTED:aws]");
});

Deno.test("a 1 MB string built to be worst-case for the rules is redacted, and finishes", async () => {
  for (const [name, text] of Object.entries(hostileInputs())) {
    const [out] = await redactSecrets([text + ` ${SECRETS.github}`]);
    assert(out.endsWith("[REDACTED:github]"), name);
  }
});
