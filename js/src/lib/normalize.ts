/**
 * Turns an attribution (C,H,W) into a display map (H,W): channel reduction, a sign filter
 * and percentile clipping to [-1, 1] or [0, 1]. Only the look changes here, never the data.
 */

export type Reduction = "sum" | "abs_sum" | "max_abs";
export type Sign = "all" | "positive" | "negative" | "absolute";

export const REDUCTIONS: readonly Reduction[] = ["sum", "abs_sum", "max_abs"];
export const SIGNS: readonly Sign[] = ["all", "positive", "negative", "absolute"];
export const DEFAULT_CLIP_PERCENTILE = 99.5;

/** Anything with numbers and a C-order shape, e.g. a decoded NDArray. */
export interface ArrayInput {
  data: ArrayLike<number>;
  shape: readonly number[];
}

/** A single-channel (H,W) map, row-major. */
export interface Map2D {
  values: Float32Array;
  height: number;
  width: number;
}

/**
 * A map ready for a colormap. With sign "all" the values lie in [-1, 1]; with "positive",
 * "negative" and "absolute" they are magnitudes in [0, 1] ("negative": how negative).
 * `scale` is the raw value that maps to 1 (0 when the map has nothing to show).
 */
export interface NormalizedMap extends Map2D {
  sign: Sign;
  scale: number;
}

/** The shape as (C, H, W), dropping leading singleton (batch) dimensions. */
export function channelsHeightWidth(shape: readonly number[]): [number, number, number] {
  let dims = [...shape];
  while (dims.length > 3 && dims[0] === 1) dims = dims.slice(1);
  if (dims.length === 2) return [1, dims[0], dims[1]];
  if (dims.length === 3) return [dims[0], dims[1], dims[2]];
  throw new Error(
    `An attribution map must have shape (H, W) or (C, H, W), optionally with leading 1s; got [${shape.join(", ")}].`,
  );
}

/**
 * Reduce the channels of a (C,H,W) array to one (H,W) map. "sum" keeps the sign,
 * "abs_sum" sums magnitudes, "max_abs" takes the value of largest magnitude with its sign.
 * A single channel passes through unchanged whatever the reduction.
 */
export function reduceChannels(input: ArrayInput, reduction: Reduction): Map2D {
  const [channels, height, width] = channelsHeightWidth(input.shape);
  const plane = height * width;
  if (input.data.length !== channels * plane) {
    throw new Error(
      `Attribution data has ${input.data.length} elements, shape [${input.shape.join(", ")}] needs ${channels * plane}.`,
    );
  }
  const data = input.data;
  if (channels === 1) {
    const values = data instanceof Float32Array ? data : Float32Array.from(data);
    return { values, height, width };
  }
  const values = new Float32Array(plane);
  if (reduction === "sum" || reduction === "abs_sum") {
    const absolute = reduction === "abs_sum";
    for (let c = 0; c < channels; c++) {
      const base = c * plane;
      for (let i = 0; i < plane; i++) {
        const v = data[base + i];
        values[i] += absolute ? Math.abs(v) : v;
      }
    }
  } else if (reduction === "max_abs") {
    const best = new Float32Array(plane).fill(-1);
    for (let c = 0; c < channels; c++) {
      const base = c * plane;
      for (let i = 0; i < plane; i++) {
        const v = data[base + i];
        const magnitude = Math.abs(v);
        if (magnitude > best[i]) {
          best[i] = magnitude;
          values[i] = v;
        }
      }
    }
  } else {
    throw new Error(`Unknown reduction "${String(reduction)}": expected one of ${REDUCTIONS.join(", ")}.`);
  }
  return { values, height, width };
}

/**
 * The p-th percentile (0..100) of `values`, linear between order statistics like
 * numpy's default. NaN for an empty input.
 */
export function percentile(values: ArrayLike<number>, p: number): number {
  const n = values.length;
  if (n === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (n - 1);
  const lower = Math.floor(rank);
  const upper = Math.min(n - 1, lower + 1);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (rank - lower);
}

/** The value a sign filter keeps of v: signed for "all", a magnitude otherwise; NaN becomes 0. */
function filtered(v: number, sign: Sign): number {
  if (Number.isNaN(v)) return 0;
  switch (sign) {
    case "all":
      return v;
    case "positive":
      return v > 0 ? v : 0;
    case "negative":
      return v < 0 ? -v : 0;
    case "absolute":
      return Math.abs(v);
  }
}

/**
 * Apply the sign filter, then divide by the `clipPercentile`-th percentile of the non-zero
 * finite magnitudes that remain and clip, so a few extreme pixels do not wash out the rest.
 * Zeros are left out of the percentile: a sparse or sign-filtered map would otherwise clip
 * at zero. An all-zero or all-NaN map gives zeros; infinities clip to the ends.
 */
export function normalizeMap(map: Map2D, sign: Sign, clipPercentile: number = DEFAULT_CLIP_PERCENTILE): NormalizedMap {
  if (!SIGNS.includes(sign)) {
    throw new Error(`Unknown sign "${String(sign)}": expected one of ${SIGNS.join(", ")}.`);
  }
  const p = Number.isFinite(clipPercentile) ? Math.min(100, Math.max(0, clipPercentile)) : DEFAULT_CLIP_PERCENTILE;
  const n = map.values.length;
  const kept = new Float32Array(n);
  const magnitudes = new Float32Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const v = filtered(map.values[i], sign);
    kept[i] = v;
    const magnitude = Math.abs(v);
    if (magnitude > 0 && magnitude !== Infinity) magnitudes[count++] = magnitude;
  }
  const scale = count > 0 ? percentile(magnitudes.subarray(0, count), p) : 0;
  const low = sign === "all" ? -1 : 0;
  if (scale > 0) {
    for (let i = 0; i < n; i++) kept[i] = Math.min(1, Math.max(low, kept[i] / scale));
  } else {
    // Only infinities (or nothing) to show: keep their ends, zero the rest.
    for (let i = 0; i < n; i++) kept[i] = kept[i] === Infinity ? 1 : kept[i] === -Infinity ? low : 0;
  }
  return { values: kept, height: map.height, width: map.width, sign, scale };
}
