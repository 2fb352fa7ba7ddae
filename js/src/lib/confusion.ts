/**
 * The confusion matrix counted in the browser, so the threshold slider repaints it without a
 * round trip to Python: a sample is predicted positive (class 1) when its score >= threshold,
 * the rule of the kernel's curves; for multi-class models the predicted classes come as they are.
 */

/** Counts (row = true class, column = predicted class), row-major, n x n. Classes outside 0..n-1 are left out. */
export function countConfusion(
  labels: ArrayLike<number>,
  predicted: (i: number) => number,
  n: number,
): Int32Array<ArrayBuffer> {
  const counts = new Int32Array(n * n);
  for (let i = 0; i < labels.length; i++) {
    const truth = labels[i];
    const guess = predicted(i);
    if (truth >= 0 && truth < n && guess >= 0 && guess < n) counts[truth * n + guess]++;
  }
  return counts;
}

/** Predicted classes of a binary model at `threshold`: 1 where score >= threshold. */
export function thresholded(scores: ArrayLike<number>, threshold: number): (i: number) => number {
  return (i) => (scores[i] >= threshold ? 1 : 0);
}

/** Each row divided by its sum (the recall on the diagonal); an empty row stays 0. */
export function rowFractions(counts: Int32Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let row = 0; row < n; row++) {
    let total = 0;
    for (let col = 0; col < n; col++) total += counts[row * n + col];
    if (total === 0) continue;
    for (let col = 0; col < n; col++) out[row * n + col] = counts[row * n + col] / total;
  }
  return out;
}

/** A white-to-blue fill for a fraction in [0, 1], and the text colour that reads on it. */
export function cellColours(fraction: number): { fill: string; text: string } {
  const f = Math.min(Math.max(Number.isFinite(fraction) ? fraction : 0, 0), 1);
  // From #f7fbff to #08306b (the ends of ColorBrewer's Blues).
  const mix = (a: number, b: number) => Math.round(a + (b - a) * f);
  return { fill: `rgb(${mix(247, 8)}, ${mix(251, 48)}, ${mix(255, 107)})`, text: f > 0.5 ? "#ffffff" : "#111111" };
}

/** A cell's label: the count, or the row fraction as a percentage. */
export function cellText(count: number, fraction: number, normalize: boolean): string {
  if (!normalize) return String(count);
  const percent = fraction * 100;
  return `${percent >= 10 || percent === 0 ? percent.toFixed(0) : percent.toFixed(1)}%`;
}
