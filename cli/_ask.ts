/** Asks a question on stdout and reads one line of answer from stdin (a terminal or a pipe); null at end of input. */
export async function ask(question: string): Promise<string | null> {
  await Deno.stdout.write(new TextEncoder().encode(question));
  const reader = Deno.stdin.readable.pipeThrough(new TextDecoderStream()).getReader();
  let line = "";
  try {
    while (!line.includes("\n")) {
      const { done, value } = await reader.read();
      if (done) return line === "" ? null : line;
      line += value;
    }
    return line.split("\n")[0];
  } finally {
    reader.releaseLock();
  }
}

/**
 * Asks to confirm a deletion unless `yes`: null when confirmed, otherwise the exit status,
 * after saying that nothing was deleted.
 */
export async function confirmDeletion(question: string, yes: boolean): Promise<number | null> {
  if (yes) return null;
  const answer = await ask(question);
  if (answer === null) {
    console.error(
      "Nothing deleted: no answer could be read; pass --yes to confirm without a prompt.",
    );
    return 1;
  }
  if (!/^y(es)?$/i.test(answer.trim())) {
    console.log("Nothing deleted.");
    return 1;
  }
  return null;
}
