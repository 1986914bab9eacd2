/**
 * A fast 64-bit string hash as 16 hex digits: two 32-bit FNV-1a lanes with different
 * offsets. For ids and prefix chaining, not for security.
 */
export function hash64(text: string, seed = ""): string {
  let a = 0x811c9dc5 ^ hashSeed(seed);
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
  }
  // One flat string from the 16 digits: toString(16) and padStart cost three times the
  // hashing of a short text, and a joined string would be flattened again by the next hash.
  return String.fromCharCode(
    hex(a >>> 28),
    hex((a >>> 24) & 15),
    hex((a >>> 20) & 15),
    hex((a >>> 16) & 15),
    hex((a >>> 12) & 15),
    hex((a >>> 8) & 15),
    hex((a >>> 4) & 15),
    hex(a & 15),
    hex(b >>> 28),
    hex((b >>> 24) & 15),
    hex((b >>> 20) & 15),
    hex((b >>> 16) & 15),
    hex((b >>> 12) & 15),
    hex((b >>> 8) & 15),
    hex((b >>> 4) & 15),
    hex(b & 15),
  );
}

/** The character code of one lower-case hex digit. */
function hex(nibble: number): number {
  return nibble < 10 ? 48 + nibble : 87 + nibble;
}

function hashSeed(seed: string): number {
  let h = 0;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  return h;
}
