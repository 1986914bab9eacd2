import { assertEquals } from "../testing/assert.ts";
import { QuietWatch, releaseWhenQuiet } from "./quiet_watch.ts";

Deno.test("a quiet watch answers after the work stops, less often the longer it stays quiet", () => {
  const watch = new QuietWatch(7);
  const looks = (counts: number[]) => counts.map((n) => watch.look(n) ? "R" : ".").join("");
  assertEquals(looks([7, 7, 7]), "...", "no work since the start: nothing to release");
  assertEquals(looks([8, 12, 30]), "...", "no release while the work goes on");
  assertEquals(
    looks(Array(20).fill(30)),
    "RR.R...R.......R....",
    "1st, 2nd, 4th, 8th, 16th quiet look",
  );
  assertEquals(looks([31, 31, 31, 32, 32]), ".RR.R", "new work starts the count again");
});

Deno.test("releaseWhenQuiet releases through its timer once the activity count stands still", async () => {
  let releases = 0;
  let activity = 1;
  const stop = releaseWhenQuiet(() => activity, { everyMs: 10, release: () => ++releases > 0 });
  try {
    activity = 2;
    for (let i = 0; i < 200 && releases === 0; i++) await new Promise((r) => setTimeout(r, 10));
    // The watch itself is tested above; here, that its timer calls `release` at all.
    assertEquals(releases >= 1, true);
  } finally {
    stop();
  }
});
