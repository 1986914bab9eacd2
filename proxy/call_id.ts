const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** Random bytes drawn 4 KiB at a time: one call into the runtime per 256 ids, not one per id. */
const pool = new Uint8Array(4096);
let used = pool.length;

/** A new call id: 26 characters, sortable by creation time (ULID layout). */
export function newCallId(now: number = Date.now()): string {
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  if (used + 16 > pool.length) {
    crypto.getRandomValues(pool);
    used = 0;
  }
  let rest = "";
  for (let i = used; i < used + 16; i++) rest += ALPHABET[pool[i] % 32];
  used += 16;
  return time + rest;
}
