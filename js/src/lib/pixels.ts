/** A chosen grid cell (`clicked_pixel`): checked against a grid, and moved by the arrow keys. */
import type { Pixel } from "./hittest";

/** A whole-number [row, col] pair, or null. */
export function asPixel(value: unknown): Pixel | null {
  if (!Array.isArray(value) || value.length !== 2) return null;
  const [row, col] = value;
  return Number.isInteger(row) && Number.isInteger(col) ? [row, col] : null;
}

/** A pixel inside a (height, width) grid, or null. */
export function pixelInGrid(value: unknown, height: number, width: number): Pixel | null {
  const pixel = asPixel(value);
  if (!pixel) return null;
  const [row, col] = pixel;
  return row >= 0 && row < height && col >= 0 && col < width ? pixel : null;
}

const PIXEL_STEPS: Record<string, Pixel> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };

/** The crosshair after an arrow key on a (height, width) grid; it starts at the centre. */
export function stepPixel(current: Pixel | null, key: string, height: number, width: number): Pixel | null {
  const step = PIXEL_STEPS[key];
  if (!step || height <= 0 || width <= 0) return null;
  const start = current ?? [Math.floor(height / 2), Math.floor(width / 2)];
  const clamp = (v: number, n: number): number => Math.min(n - 1, Math.max(0, v));
  return [clamp(start[0] + step[0], height), clamp(start[1] + step[1], width)];
}
