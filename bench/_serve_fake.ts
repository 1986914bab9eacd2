// A fake upstream in its own process for benchmarks: prints its URL, serves until killed.
import { startFakeUpstream } from "../tests/fake_upstream.ts";

const fake = startFakeUpstream({ record: false });
console.log(fake.url);
