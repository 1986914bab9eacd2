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
