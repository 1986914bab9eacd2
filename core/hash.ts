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
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}

function hashSeed(seed: string): number {
  let h = 0;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  return h;
}
