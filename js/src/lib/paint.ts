/**
 * Pure pixel work, arrays in and arrays out: a normalized map through a colormap, an image
 * to RGBA, resizing, alpha blending and mask edges. The canvas calls live in draw.ts.
 */
import { lutIndex } from "./colormap";
import type { NDArray } from "./decode";
import type { NormalizedMap, Sign } from "./normalize";

/** Straight (not premultiplied) RGBA, row-major, 4 bytes per pixel: what ImageData holds. */
export interface RGBAImage {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

/**
 * Where a normalized value sits on a colormap, in [0, 1]. A diverging map keeps zero at its
 * centre whatever the sign filter, so magnitudes of positives use its upper half and
 * magnitudes of negatives its lower half; a sequential map shows magnitudes from its start.
 */
export function lutPosition(value: number, sign: Sign, diverging: boolean): number {
  let position: number;
  if (sign === "all") position = (value + 1) / 2;
  else if (!diverging) position = value;
  else if (sign === "negative") position = (1 - value) / 2;
  else position = (1 + value) / 2;
  return Math.min(1, Math.max(0, Number.isNaN(position) ? 0 : position));
}

/** Paint a normalized map through a colormap's 256-entry RGBA table (colormap.lut). */
export function paintMap(map: NormalizedMap, table: Uint8ClampedArray, diverging: boolean): RGBAImage {
  const n = map.width * map.height;
  const data = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    const entry = lutIndex(lutPosition(map.values[i], map.sign, diverging), diverging);
    data[4 * i] = table[4 * entry];
    data[4 * i + 1] = table[4 * entry + 1];
    data[4 * i + 2] = table[4 * entry + 2];
    data[4 * i + 3] = table[4 * entry + 3];
  }
  return { data, width: map.width, height: map.height };
}

/** Normalized values for an n-pixel colorbar, left to right from the most negative raw value. */
export function colorbarValues(sign: Sign, n: number): Float32Array {
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = n > 1 ? i / (n - 1) : 1;
    values[i] = sign === "all" ? 2 * t - 1 : sign === "negative" ? 1 - t : t;
  }
  return values;
}

export type ImageLayout = "chw" | "hwc";

/**
 * How an image's shape is laid out, and its size. Leading singleton (batch) dimensions are
 * dropped. A 3-D shape is channels-first or channels-last by which end has 1, 3 or 4
 * channels; when both could be, float data is taken as (C,H,W) (torch) and uint8 as
 * (H,W,C) (PIL, numpy images).
 */
export function imageGeometry(
  shape: readonly number[],
  isUint8: boolean,
): { layout: ImageLayout; channels: number; height: number; width: number } {
  let dims = [...shape];
  while (dims.length > 3 && dims[0] === 1) dims = dims.slice(1);
  if (dims.length === 2) return { layout: "chw", channels: 1, height: dims[0], width: dims[1] };
  if (dims.length === 3) {
    const channelCounts = [1, 3, 4];
    const first = channelCounts.includes(dims[0]);
    const last = channelCounts.includes(dims[2]);
    if (first && (!last || !isUint8)) return { layout: "chw", channels: dims[0], height: dims[1], width: dims[2] };
    if (last) return { layout: "hwc", channels: dims[2], height: dims[0], width: dims[1] };
  }
  throw new Error(
    `An image must have shape (H, W), (C, H, W) or (H, W, C) with 1, 3 or 4 channels; got [${shape.join(", ")}].`,
  );
}

/**
 * An image to RGBA: uint8 data is taken as 0..255, float data as 0..1 (clipped; NaN is
 * black). One channel is grey; a fourth channel is alpha.
 */
export function paintImage(image: NDArray): RGBAImage {
  const isUint8 = image.data instanceof Uint8Array;
  const { layout, channels, height, width } = imageGeometry(image.shape, isUint8);
  const plane = height * width;
  if (image.data.length !== plane * channels) {
    throw new Error(`Image data has ${image.data.length} elements, shape [${image.shape.join(", ")}] needs ${plane * channels}.`);
  }
  const src = image.data;
  const factor = isUint8 ? 1 : 255;
  const at = layout === "chw" ? (i: number, c: number) => src[c * plane + i] : (i: number, c: number) => src[i * channels + c];
  const data = new Uint8ClampedArray(plane * 4);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      // Uint8ClampedArray rounds and clips; NaN becomes 0.
      data[4 * i + c] = at(i, channels === 1 ? 0 : c) * factor;
    }
    data[4 * i + 3] = channels === 4 ? at(i, 3) * factor : 255;
  }
  return { data, width, height };
}

/** Nearest-neighbour resize: each output pixel takes the source pixel under its centre. */
export function resizeNearest(image: RGBAImage, width: number, height: number): RGBAImage {
  if (image.width === width && image.height === height) return image;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let row = 0; row < height; row++) {
    const srcRow = Math.min(image.height - 1, Math.floor(((row + 0.5) * image.height) / height));
    for (let col = 0; col < width; col++) {
      const srcCol = Math.min(image.width - 1, Math.floor(((col + 0.5) * image.width) / width));
      const from = 4 * (srcRow * image.width + srcCol);
      const to = 4 * (row * width + col);
      data[to] = image.data[from];
      data[to + 1] = image.data[from + 1];
      data[to + 2] = image.data[from + 2];
      data[to + 3] = image.data[from + 3];
    }
  }
  return { data, width, height };
}

/**
 * `overlay` composited over `base` ("source-over", straight alpha), the overlay's alpha
 * scaled by `opacity` in [0, 1]. Both must be the same size.
 */
export function blend(base: RGBAImage, overlay: RGBAImage, opacity: number): RGBAImage {
  if (base.width !== overlay.width || base.height !== overlay.height) {
    throw new Error(
      `Cannot blend a ${overlay.width}x${overlay.height} overlay over a ${base.width}x${base.height} image; resize it first.`,
    );
  }
  const strength = Number.isFinite(opacity) ? Math.min(1, Math.max(0, opacity)) : 0;
  const data = new Uint8ClampedArray(base.data.length);
  for (let p = 0; p < data.length; p += 4) {
    const top = (overlay.data[p + 3] / 255) * strength;
    const bottom = (base.data[p + 3] / 255) * (1 - top);
    const alpha = top + bottom;
    data[p + 3] = alpha * 255;
    if (alpha === 0) continue;
    for (let c = 0; c < 3; c++) data[p + c] = (overlay.data[p + c] * top + base.data[p + c] * bottom) / alpha;
  }
  return { data, width: base.width, height: base.height };
}

/**
 * The outline of a boolean mask (H,W, non-zero = inside) as line segments along cell
 * edges, in grid units (x = column, y = row; cell (r, c) spans [c, c+1] x [r, r+1]):
 * every edge between an inside cell and an outside cell or the border. Flat
 * `[x0, y0, x1, y1, ...]`; drawn scaled, it stays one line thick at any zoom.
 */
export function maskEdges(mask: ArrayLike<number>, height: number, width: number): Float32Array {
  if (mask.length !== height * width) {
    throw new Error(`Mask has ${mask.length} elements, a ${height}x${width} grid needs ${height * width}.`);
  }
  const inside = (row: number, col: number): boolean =>
    row >= 0 && row < height && col >= 0 && col < width && mask[row * width + col] !== 0;
  const segments: number[] = [];
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      if (!inside(row, col)) continue;
      if (!inside(row - 1, col)) segments.push(col, row, col + 1, row);
      if (!inside(row + 1, col)) segments.push(col, row + 1, col + 1, row + 1);
      if (!inside(row, col - 1)) segments.push(col, row, col, row + 1);
      if (!inside(row, col + 1)) segments.push(col + 1, row, col + 1, row + 1);
    }
  }
  return Float32Array.from(segments);
}
