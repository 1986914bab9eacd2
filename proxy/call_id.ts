const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** A new call id: 26 characters, sortable by creation time (ULID layout). */
export function newCallId(now: number = Date.now()): string {
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const random = crypto.getRandomValues(new Uint8Array(16));
  let rest = "";
  for (const byte of random) rest += ALPHABET[byte % 32];
  return time + rest;
}
