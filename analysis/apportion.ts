/**
 * Splits `total` into integers proportional to `weights` (largest remainder), so the
 * parts always add up to `total` exactly. All-zero weights split evenly.
 */
export function apportion(weights: readonly number[], total: number): number[] {
  if (weights.length === 0) return [];
  const sum = weights.reduce((a, b) => a + Math.max(0, b), 0);
  const shares = weights.map((
    w,
  ) => (sum > 0 ? (Math.max(0, w) / sum) * total : total / weights.length));
  const parts = shares.map(Math.floor);
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = shares.map((s, i) => [s - Math.floor(s), i] as const).sort((a, b) =>
    b[0] - a[0] || a[1] - b[1]
  );
  for (const [, i] of order) {
    if (left <= 0) break;
    parts[i]++;
    left--;
  }
  return parts;
}
