/** A ground-truth mask trait as the outline segments drawn over a (height, width) grid. */
import { decodeWire } from "./decode";
import { maskEdges } from "./paint";

/**
 * The outline of the mask in `value` (an array trait, non-zero = inside) over `grid`, or null
 * when there is no mask or no grid; throws, naming the trait, when the mask has another shape.
 */
export function maskOutline(value: unknown, grid: readonly [number, number] | null, name = "mask"): Float32Array | null {
  const mask = decodeWire(value, name);
  if (!mask || !grid) return null;
  const [height, width] = grid;
  if (mask.shape.length !== 2 || mask.shape[0] !== height || mask.shape[1] !== width) {
    throw new Error(`${name}: shape [${mask.shape.join(", ")}] does not match the image grid ${height}x${width}.`);
  }
  return maskEdges(mask.data, height, width);
}
